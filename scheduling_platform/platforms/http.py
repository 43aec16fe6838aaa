"""HTTP plumbing shared by the platform clients: timeouts and transport errors, classified."""

from __future__ import annotations

from collections.abc import Mapping
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


def unexpected_answer(response: httpx.Response) -> PlatformError:
    """An answer of no shape the client knows (a 4xx, not JSON): retried, its status the code."""
    return PlatformError(
        ErrorKind.RETRYABLE,
        f"unexpected answer HTTP {response.status_code}",
        code=str(response.status_code),
    )


def json_object(response: httpx.Response, *, sends_post: bool) -> dict[str, Any]:
    """The JSON object a platform answered; a 5xx, a 4xx or anything but an object raises."""
    if response.status_code >= 500:
        raise server_error(response, sends_post=sends_post)
    body = json_body(response)
    if not isinstance(body, dict) or response.status_code >= 400:
        raise unexpected_answer(response)
    return body


def code_error(error_kinds: Mapping[int, ErrorKind], code: int, message: str) -> PlatformError:
    """The error a platform's error code means; a code the table lacks is retried, unrecognised."""
    kind = error_kinds.get(code)
    return PlatformError(
        kind or ErrorKind.RETRYABLE, message, code=str(code), unrecognised=kind is None
    )


def not_within_reach(searched: int, what: str) -> PlatformError:
    """A lookup that read as far back as it may and the account has older posts: no answer."""
    return PlatformError(
        ErrorKind.UNKNOWN_OUTCOME,
        f"not among the account's {searched} most recent {what}, and it has older ones: "
        "cannot tell whether the earlier attempt went out",
    )
