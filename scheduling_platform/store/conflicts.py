"""What the conflict checks read: an account's posts around a time, and texts sharing LSH bands."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from scheduling_platform.lifecycle import OCCUPYING
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.schema import content_bands, tasks

_OCCUPYING = sorted(s.value for s in OCCUPYING)
_COLUMNS = (
    tasks.c.id,
    tasks.c.account_id,
    tasks.c.scheduled_at,
    tasks.c.content,
    tasks.c.media,
    tasks.c.series_id,
)
KEYS_PER_QUERY = 500  # bound parameters per IN list, well under SQLite's limit


@dataclass(frozen=True)
class PlacedPost:
    """A post of an account that is out or on its way: what a new post may conflict with."""

    id: int
    account_id: int
    at: datetime
    content: str
    media: tuple[str, ...]
    series_id: int | None

    @classmethod
    def from_row(cls, row: Any) -> PlacedPost:  # a Row of the selected columns
        return cls(
            id=row.id,
            account_id=row.account_id,
            at=row.scheduled_at,
            content=row.content,
            media=tuple(json.loads(row.media or "[]")),
            series_id=row.series_id,
        )


class ConflictQueries(StoreBase):
    """Reads for the conflict checks; all indexed by (account, time) or (account, band key)."""

    def placed_posts(self, account_id: int, start: datetime, end: datetime) -> list[PlacedPost]:
        """The account's occupying posts scheduled in [start, end), by time then id."""
        query = (
            select(*_COLUMNS)
            .where(
                tasks.c.account_id == account_id,
                tasks.c.status.in_(_OCCUPYING),
                tasks.c.scheduled_at >= start,
                tasks.c.scheduled_at < end,
            )
            .order_by(tasks.c.scheduled_at, tasks.c.id)
        )
        with self.engine.connect() as conn:
            return [PlacedPost.from_row(r) for r in conn.execute(query)]

    def posts_around(
        self, account_id: int, start: datetime, end: datetime
    ) -> tuple[PlacedPost | None, PlacedPost | None]:
        """The account's last occupying post before `start` and first at or after `end`."""
        base = select(*_COLUMNS).where(
            tasks.c.account_id == account_id, tasks.c.status.in_(_OCCUPYING)
        )
        before = base.where(tasks.c.scheduled_at < start).order_by(
            tasks.c.scheduled_at.desc(), tasks.c.id.desc()
        )
        after = base.where(tasks.c.scheduled_at >= end).order_by(tasks.c.scheduled_at, tasks.c.id)
        with self.engine.connect() as conn:
            first = conn.execute(before.limit(1)).first()
            last = conn.execute(after.limit(1)).first()
        return (
            PlacedPost.from_row(first) if first else None,
            PlacedPost.from_row(last) if last else None,
        )

    def band_matches(
        self, account_id: int, keys: Iterable[int], start: datetime, end: datetime
    ) -> list[tuple[PlacedPost, int]]:
        """Occupying posts of the account in [start, end) sharing a band key with `keys`,
        each with the key it shares (a post sharing several comes once a key)."""
        wanted = sorted(set(keys))
        found: list[tuple[PlacedPost, int]] = []
        with self.engine.connect() as conn:
            for first in range(0, len(wanted), KEYS_PER_QUERY):
                query = (
                    select(*_COLUMNS, content_bands.c.band_key)
                    .select_from(content_bands.join(tasks, tasks.c.id == content_bands.c.task_id))
                    .where(
                        content_bands.c.account_id == account_id,
                        content_bands.c.band_key.in_(wanted[first : first + KEYS_PER_QUERY]),
                        tasks.c.status.in_(_OCCUPYING),
                        tasks.c.scheduled_at >= start,
                        tasks.c.scheduled_at < end,
                    )
                )
                found += [(PlacedPost.from_row(r), int(r.band_key)) for r in conn.execute(query)]
        return found
