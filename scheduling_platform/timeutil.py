"""Time-zone aware times: stored in UTC, read and shown in the account's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser


class InvalidTimeError(ValueError):
    """A time the user gave cannot be understood."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # OSError: a name too long for a file name (zoneinfo looks the name up as a file).
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidTimeError(f"unknown time zone {name[:80]!r}") from exc


def parse_user_time(text: str, default_zone: str) -> datetime:
    """Parse an ISO 8601 time; a time without a zone is read in `default_zone`. Returns UTC."""
    try:
        parsed = date_parser.isoparse(text.strip())
    except (ValueError, OverflowError) as exc:
        raise InvalidTimeError(f"{text!r} is not an ISO 8601 time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(default_zone))
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 9999 east of UTC, year 1 west of it
        raise InvalidTimeError(f"{text!r} is out of the range of times") from None


def as_utc(value: datetime) -> datetime:
    """A datetime from storage or code as aware UTC; naive values are taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def in_zone(value: datetime, zone_name: str) -> datetime:
    return as_utc(value).astimezone(zone(zone_name))
