"""Rows of the task store as plain, immutable values."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Row

from scheduling_platform.lifecycle import AccountStatus, SeriesStatus, TaskStatus
from scheduling_platform.vault import VaultError, read_plain_credentials

# Opens an account's stored credentials text: (text, platform, account id) -> credentials.
CredentialsOpener = Callable[[str | None, str, int], dict[str, Any]]


def _plain(raw: str | None, _platform: str, _account_id: int) -> dict[str, Any]:
    return read_plain_credentials(raw)


# Migration 0005 creates it ("default") and moves every row from before workspaces into it.
DEFAULT_WORKSPACE_ID = 1
MAX_ID = 2**63 - 1  # ids are 64-bit integers


class NotFoundError(LookupError):
    """No row with that id."""


@dataclass(frozen=True)
class Account:
    """An account; `credentials` opens the stored text at first use (and keeps the result),
    so reading an account never needs the key its credentials are sealed with."""

    id: int
    platform: str
    name: str
    timezone: str
    stored_credentials: str | None = field(repr=False)
    status: AccountStatus
    created_at: datetime
    followers: int | None = None
    # Rows always carry it; the default serves values made in code (tests).
    workspace_id: int = DEFAULT_WORKSPACE_ID
    opener: CredentialsOpener = field(default=_plain, repr=False, compare=False)

    @classmethod
    def from_row(cls, row: Row[Any], opener: CredentialsOpener | None = None) -> Account:
        """`opener` reads the stored text (the vault's); plain JSON without it."""
        data = dict(row._mapping)
        data["stored_credentials"] = data.pop("credentials")
        data["status"] = AccountStatus(data["status"])
        return cls(**data, opener=opener or _plain)

    @cached_property
    def credentials(self) -> dict[str, Any]:
        """The opened credentials; VaultError when their key is missing or they were moved."""
        return self.opener(self.stored_credentials, self.platform, self.id)

    def credentials_problem(self) -> str | None:
        """Why the credentials cannot be opened (a missing key, a value moved from another
        account), or None when they can."""
        try:
            self.credentials  # noqa: B018
        except VaultError as exc:
            return str(exc)
        return None

    @property
    def effective_status(self) -> AccountStatus:
        """The stored status, or `needs_reauth` while the credentials cannot be opened."""
        if self.credentials_problem() is not None:
            return AccountStatus.NEEDS_REAUTH
        return self.status


@dataclass(frozen=True)
class Task:
    id: int
    account_id: int
    platform: str
    title: str | None
    content: str
    scheduled_at: datetime
    priority: int
    status: TaskStatus
    lease_version: int
    claim_batch: str | None
    lease_expires_at: datetime | None
    attempt_count: int
    platform_post_id: str | None
    last_error: str | None
    published_at: datetime | None
    model_version: str | None
    not_before: datetime | None
    created_at: datetime
    updated_at: datetime
    predicted_engagement: float | None = None
    prediction_uncertainty: float | None = None
    media: tuple[str, ...] = ()
    # Rows always carry it; the default serves values made in code (tests).
    workspace_id: int = DEFAULT_WORKSPACE_ID
    series_id: int | None = None
    occurrence_start: datetime | None = None
    idempotency_key: str | None = None
    strategy: str | None = None  # how its time was chosen (None: before migration 0011)

    @property
    def send_after(self) -> datetime:
        """When it may go out: its time, or the end of its retry's backoff if that is later."""
        if self.not_before is not None and self.not_before > self.scheduled_at:
            return self.not_before
        return self.scheduled_at

    @classmethod
    def from_row(cls, row: Row[Any]) -> Task:
        data = dict(row._mapping)
        data["status"] = TaskStatus(data["status"])
        media = data.get("media")
        data["media"] = tuple(json.loads(media)) if media else ()
        return cls(**data)


@dataclass(frozen=True)
class Series:
    """A recurring post: an RRULE from a local DTSTART in `timezone`, minus `exdates`."""

    id: int
    account_id: int
    title: str | None
    content: str
    media: tuple[str, ...]
    priority: int
    strategy: str
    rrule: str
    dtstart: str  # local wall time, ISO 8601 without offset
    timezone: str
    exdates: tuple[str, ...]  # local wall times (or dates) excluded
    status: SeriesStatus
    parent_id: int | None
    created_at: datetime
    updated_at: datetime
    workspace_id: int = DEFAULT_WORKSPACE_ID  # its account's; rows always carry it

    @classmethod
    def from_row(cls, row: Row[Any]) -> Series:
        data = dict(row._mapping)
        data["status"] = SeriesStatus(data["status"])
        data["media"] = tuple(json.loads(data.get("media") or "[]"))
        data["exdates"] = tuple(json.loads(data.get("exdates") or "[]"))
        return cls(**data)
