"""Reading what an account's stored credentials say about its token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
