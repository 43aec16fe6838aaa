"""HTTP plumbing shared by the platform clients: timeouts and transport errors, classified."""

from __future__ import annotations

from typing import Any

import httpx

from scheduling_platform.platforms.base import ErrorKind, PlatformError


def send(
    client: httpx.Client, method: str, path: str, *, sends_post: bool = False, **kwargs: Any
) -> httpx.Response:
    """Send a request; transport failures become PlatformErrors.

    The exception text of httpx names the URL, and some platforms put the token in the query
    string, so only the exception's type is kept. A request that publishes (`sends_post`) and
    times out after it was sent may have gone through: its outcome is unknown, not retryable.
    """
    try:
        return client.request(method, path, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise PlatformError(
            ErrorKind.RETRYABLE, f"could not reach the platform ({type(exc).__name__})"
        ) from None
    except httpx.TransportError as exc:
        kind = ErrorKind.UNKNOWN_OUTCOME if sends_post else ErrorKind.RETRYABLE
        raise PlatformError(kind, f"no answer from the platform ({type(exc).__name__})") from None


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def server_error(response: httpx.Response, *, sends_post: bool) -> PlatformError:
    # A 5xx after a publish request may hide an accepted post (proxies answer 502 late).
    kind = ErrorKind.UNKNOWN_OUTCOME if sends_post else ErrorKind.RETRYABLE
    return PlatformError(
        kind, f"platform answered HTTP {response.status_code}", code=str(response.status_code)
    )
