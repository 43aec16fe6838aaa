"""What an account's stored credentials say about its token, and holding a new one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduling_platform.platforms.base import TokenGrant
from scheduling_platform.timeutil import as_utc


def token_expires_at(credentials: dict[str, Any]) -> datetime | None:
    """The `expires_at` a client stored with the token (ISO 8601), if any."""
    value = credentials.get("expires_at")
    if not isinstance(value, str) or not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def with_grant(credentials: dict[str, Any], grant: TokenGrant) -> dict[str, Any]:
    """`credentials` holding the new token (and refresh token, expiries) of `grant`.

    The grant's extra fields (open_id, when the refresh token ends, ...) are kept too: a
    Douyin refresh token is renewed by what they say.
    """
    renewed = {**credentials, **grant.extra, "access_token": grant.access_token}
    if grant.refresh_token:
        renewed["refresh_token"] = grant.refresh_token
    if grant.expires_at is not None:
        renewed["expires_at"] = grant.expires_at.isoformat()
    return renewed
