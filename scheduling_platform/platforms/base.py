"""One interface for the five platforms' clients, the base class they share, and the error
kinds the publisher acts on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, Self

import httpx

# Re-exported: the clients classify their errors with it.
from scheduling_platform.lifecycle import ErrorKind as ErrorKind
from scheduling_platform.redaction import redact
from scheduling_platform.settings import PLATFORM_NAMES

PLATFORMS = PLATFORM_NAMES


class PlatformError(Exception):
    """An error from a platform, classified; the message never carries a credential."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        code: str | None = None,
        unrecognised: bool = False,
    ) -> None:
        # Platforms sometimes echo request fields back: mask any secret before it is kept.
        message = redact(message)
        super().__init__(f"[{code}] {message}" if code else message)
        self.kind = kind
        self.code = code
        self.platform_message = message
        # A code the client's table does not know: retried, but on a shorter budget.
        self.unrecognised = unrecognised


class NoSuchOperationError(PlatformError):
    """The platform offers no API for this (e.g. deleting a post on Douyin or Toutiao)."""

    def __init__(self, platform: str, what: str) -> None:
        super().__init__(ErrorKind.REJECTED, f"{platform} offers no way to {what} through its API")


@dataclass(frozen=True)
class Post:
    """What goes out: the task's content in platform-neutral form."""

    task_id: int
    text: str
    title: str | None = None
    media: tuple[str, ...] = ()  # media store references (media/store.py)
    # A lookup after an unknown outcome takes only posts the platform created at or after
    # this: the attempt's start less the clock skew allowed (publishing/verification.py).
    # None: any time.
    not_before: datetime | None = None


# Platforms give creation times in whole seconds: a post made in the second an attempt
# began shows a time up to this much before it.
TIME_RESOLUTION = timedelta(seconds=1)


def created_in_window(created_at: datetime | None, not_before: datetime | None) -> bool:
    """Whether a post created at `created_at` (None: unknown) may be an attempt's."""
    if created_at is None or not_before is None:
        return True
    return created_at + TIME_RESOLUTION > not_before


@dataclass(frozen=True)
class Candidate:
    """A post the platform lists that carries what an attempt sent, as far as it shows it."""

    platform_post_id: str
    created_at: datetime | None = None  # None: the platform does not say


@dataclass(frozen=True)
class PublishResult:
    platform_post_id: str
    # False where the platform reviews first (WeChat, Douyin, Baijiahao): `submitted`, not done.
    final: bool = True
    url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_at: datetime | None
    refresh_token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountCheck:
    token_valid: bool
    expires_at: datetime | None
    detail: str


class PlatformClient(Protocol):
    """What the publisher, the metrics ingestion and `accounts check` need of every platform."""

    platform: str

    def publish(self, credentials: dict[str, Any], post: Post) -> PublishResult: ...

    def publish_status(self, credentials: dict[str, Any], platform_post_id: str) -> PublishResult:
        """Where an asynchronous publish stands (review); raises REJECTED when it failed."""
        ...

    def fetch_metrics(
        self, credentials: dict[str, Any], platform_post_ids: list[str]
    ) -> dict[str, dict[str, int]]: ...

    def find_candidates(self, credentials: dict[str, Any], post: Post) -> list[Candidate]:
        """The account's posts that match `post` as far as the platform shows posts (text,
        title, media, its own origin URL), created at or after `post.not_before`.

        Every match within reach, not the first: telling them apart is the caller's
        (publishing/verification.py). Raises RETRYABLE when the platform cannot tell now, or
        when older posts that might match are out of reach.
        """
        ...

    def looks_alike(self, a: Post, b: Post) -> bool:
        """Whether the platform would show posts `a` and `b` the same way (a lookup for one
        may find the other)."""
        ...

    def validate_account(self, credentials: dict[str, Any]) -> AccountCheck: ...

    def delete_post(self, credentials: dict[str, Any], platform_post_id: str) -> None:
        """Take a live post down; NoSuchOperationError where the platform has no API for it."""
        ...

    def acquire_token(self, credentials: dict[str, Any]) -> TokenGrant:
        """Refresh or re-acquire the access token from what the account holds."""
        ...

    def is_available(self) -> bool: ...


# Here rather than in http.py, which imports this module's errors: the base class needs it.
def make_http_client(base_url: str, timeout_seconds: float) -> httpx.Client:
    """A pooled HTTP client for one platform host."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0)),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
    )


@dataclass
class PlatformClientBase:
    """What the five clients share: endpoint, timeout, their HTTP clients' lifecycle and the
    reading of engagement metrics.

    Usable as a context manager, which closes the HTTP clients on exit.
    """

    # Our engagement metric -> the platform's name for it in a statistics row.
    METRIC_FIELDS: ClassVar[Mapping[str, str]] = {}

    base_url: str
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        self._opened: list[httpx.Client] = []
        self._http = self._open(self.base_url)

    def _open(self, base_url: str) -> httpx.Client:
        """An HTTP client for `base_url` that `close` closes with the others."""
        client = make_http_client(base_url, self.timeout_seconds)
        self._opened.append(client)
        return client

    def close(self) -> None:
        for client in self._opened:
            client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def find_candidates(self, credentials: dict[str, Any], post: Post) -> list[Candidate]:
        raise NotImplementedError

    def find_published(self, credentials: dict[str, Any], post: Post) -> str | None:
        """The one post matching `post`, None when there is none; RETRYABLE when several do.

        For a client alone (contract tests, a duplicate answer); the publisher verifies with
        publishing/verification.py, which also knows which posts other tasks hold.
        """
        found = self.find_candidates(credentials, post)
        if len(found) > 1:
            ids = ", ".join(c.platform_post_id for c in found)
            raise PlatformError(ErrorKind.RETRYABLE, f"several posts match: {ids}")
        return found[0].platform_post_id if found else None

    def _engagement(self, row: Mapping[str, Any]) -> dict[str, int]:
        """Our metrics from one statistics row, by `METRIC_FIELDS`; a missing field counts 0."""
        return {ours: int(row.get(theirs, 0)) for ours, theirs in self.METRIC_FIELDS.items()}
