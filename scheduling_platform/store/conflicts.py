"""What the conflict checks read: an account's posts around a time, and texts sharing LSH bands."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

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


# Built once: SQLAlchemy then reuses their compiled form (building them costs more than
# running them on an indexed table).
_OF_ACCOUNT = select(*_COLUMNS).where(
    tasks.c.account_id == bindparam("account_id"), tasks.c.status.in_(_OCCUPYING)
)
_PLACED = _OF_ACCOUNT.where(
    tasks.c.scheduled_at >= bindparam("start"), tasks.c.scheduled_at < bindparam("end")
).order_by(tasks.c.scheduled_at, tasks.c.id)
_BEFORE = (
    _OF_ACCOUNT.where(tasks.c.scheduled_at < bindparam("start"))
    .order_by(tasks.c.scheduled_at.desc(), tasks.c.id.desc())
    .limit(1)
)
_AFTER = (
    _OF_ACCOUNT.where(tasks.c.scheduled_at >= bindparam("end"))
    .order_by(tasks.c.scheduled_at, tasks.c.id)
    .limit(1)
)
_BANDS = (
    select(*_COLUMNS, content_bands.c.band_key)
    .select_from(content_bands.join(tasks, tasks.c.id == content_bands.c.task_id))
    .where(
        content_bands.c.account_id == bindparam("account_id"),
        content_bands.c.band_key.in_(bindparam("keys", expanding=True)),
        tasks.c.status.in_(_OCCUPYING),
        tasks.c.scheduled_at >= bindparam("start"),
        tasks.c.scheduled_at < bindparam("end"),
    )
)


def _placed(conn: Connection, account_id: int, start: datetime, end: datetime) -> list[PlacedPost]:
    params = {"account_id": account_id, "start": start, "end": end}
    return [PlacedPost.from_row(r) for r in conn.execute(_PLACED, params)]


def _around(conn: Connection, account_id: int, start: datetime, end: datetime) -> list[PlacedPost]:
    params = {"account_id": account_id, "start": start, "end": end}
    rows = [conn.execute(_BEFORE, params).first(), conn.execute(_AFTER, params).first()]
    return [PlacedPost.from_row(r) for r in rows if r is not None]


def _bands(
    conn: Connection, account_id: int, keys: Iterable[int], start: datetime, end: datetime
) -> list[tuple[PlacedPost, int]]:
    wanted = sorted(set(keys))
    found: list[tuple[PlacedPost, int]] = []
    for first in range(0, len(wanted), KEYS_PER_QUERY):
        params = {
            "account_id": account_id,
            "keys": wanted[first : first + KEYS_PER_QUERY],
            "start": start,
            "end": end,
        }
        found += [(PlacedPost.from_row(r), int(r.band_key)) for r in conn.execute(_BANDS, params)]
    return found


@dataclass(frozen=True)
class Around:
    """What one read for a check gives: the posts of a span (and the nearest post on either
    side of it), and the posts sharing band keys within the duplicate window."""

    placed: list[PlacedPost]
    edges: list[PlacedPost]
    band_matches: list[tuple[PlacedPost, int]]


class ConflictQueries(StoreBase):
    """Reads for the conflict checks; all indexed by (account, time) or (account, band key)."""

    def read_around(
        self,
        account_id: int,
        span: tuple[datetime, datetime] | None,
        keys: Iterable[int],
        band_span: tuple[datetime, datetime] | None,
    ) -> Around:
        """The account's occupying posts in `span` (with the nearest post before and after
        it), and those in `band_span` sharing one of `keys`: one connection, one round each."""
        wanted = list(keys)
        with self.engine.connect() as conn:
            placed = _placed(conn, account_id, *span) if span else []
            edges = _around(conn, account_id, *span) if span else []
            matches = _bands(conn, account_id, wanted, *band_span) if band_span and wanted else []
        return Around(placed, edges, matches)
