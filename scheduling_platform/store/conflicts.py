"""What the conflict checks read: an account's posts around a time, and texts sharing LSH bands."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, repeat
from typing import Any, NamedTuple

from sqlalchemy import (
    CTE,
    Connection,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    column,
    literal,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Dialect

from scheduling_platform.lifecycle import OCCUPYING
from scheduling_platform.store.arrays import int_array, time_array
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.schema import content_bands, tasks

_OCCUPYING = sorted(s.value for s in OCCUPYING)
_COLUMNS = (
    tasks.c.id,
    tasks.c.account_id,
    # Read raw and turned into a time in `from_row`: a slot search reads thousands of rows,
    # and the column type's processing per row cost more than the rest of the row.
    type_coerce(tasks.c.scheduled_at, String).label("scheduled_at"),
    tasks.c.content,
    tasks.c.media,
    tasks.c.series_id,
)
KEYS_PER_QUERY = 500  # bound parameters per IN list, well under SQLite's limit


class PlacedPost(NamedTuple):
    """A post of an account that is out or on its way: what a new post may conflict with.

    A named tuple, not a dataclass: a batch's check reads thousands of them, and a tuple is
    built several times faster."""

    id: int
    account_id: int
    at: datetime
    content: str
    media: tuple[str, ...]
    series_id: int | None

    @classmethod
    def from_row(cls, row: Any) -> PlacedPost:  # a Row of the selected columns, in order
        task_id, account_id, at, content, media, series_id = row
        if isinstance(at, str):  # SQLite: the UTC wall time UTCDateTime stores
            at = datetime.fromisoformat(at).replace(tzinfo=UTC)
        else:  # Postgres: an aware time
            at = at.astimezone(UTC)
        media = tuple(json.loads(media)) if media and media != "[]" else ()
        return cls(task_id, account_id, at, content, media, series_id)


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
# Band matches in two index-driven steps: the keys' rows first (index on account, key), then
# their tasks by id; as one join the planners would walk the tasks by time instead.
_KEY_ROWS = select(
    content_bands.c.task_id, content_bands.c.band_key, content_bands.c.account_id
).where(
    content_bands.c.account_id.in_(bindparam("account_ids", expanding=True)),
    content_bands.c.band_key.in_(bindparam("keys", expanding=True)),
)
_BY_IDS = select(*_COLUMNS).where(
    tasks.c.id.in_(bindparam("ids", expanding=True)),
    # `status || ''`, as in `_placed_in`: SQLite walked the (status, time) index over the
    # duplicate window (every account's posts of six months: 40-150 ms at a million tasks)
    # instead of looking the ids up.
    tasks.c.status.concat("").in_(_OCCUPYING),
    tasks.c.scheduled_at >= bindparam("start"),
    tasks.c.scheduled_at < bindparam("end"),
)


def _part(query: Select[Any], part: int) -> Select[Any]:
    inner = query.subquery()
    return select(*inner.c, literal(part).label("part"))


# The span's posts (part 0) and the nearest post on either side (part 1) in one statement: a
# create reads them inside the write turn, where each round trip (and, under load, each
# regaining of the GIL after one) is held against every writer waiting.
_SPAN_AND_EDGES = union_all(_part(_PLACED, 0), _part(_BEFORE, 1), _part(_AFTER, 1)).order_by(
    "part", "scheduled_at", "id"
)


def _span_and_edges(
    conn: Connection, account_id: int, start: datetime, end: datetime
) -> tuple[list[PlacedPost], list[PlacedPost]]:
    params = {"account_id": account_id, "start": start, "end": end}
    placed: list[PlacedPost] = []
    edges: list[PlacedPost] = []
    for row in conn.execute(_SPAN_AND_EDGES, params):
        (edges if row.part else placed).append(PlacedPost.from_row(row[:6]))
    return placed, edges


# Postgres: the (account, key) pairs of all accounts as two arrays in one statement, each pair
# one probe of the (account, key) index; each account's own keys only. LATERAL with OFFSET 0
# keeps the probes: as a plain join the planner hashes the whole table once it has statistics.
# A row a task with the keys it shares: a weekly series' text shares all twenty with last week's.
_PAIR_ROWS = text(
    "SELECT m.task_id, m.account_id, array_agg(m.band_key)"
    " FROM unnest(CAST(:account_ids AS bigint[]), CAST(:keys AS bigint[])) AS w (a, k)"
    " CROSS JOIN LATERAL (SELECT b.task_id, b.band_key, b.account_id FROM content_bands AS b"
    " WHERE b.account_id = w.a AND b.band_key = w.k OFFSET 0) AS m"
    " GROUP BY m.task_id, m.account_id"
)


def _keys_by_task(
    conn: Connection, keys_by_account: Mapping[int, Iterable[int]]
) -> dict[int, tuple[int, list[int]]]:
    """The tasks whose band rows hold one of their account's own keys: task id -> (account id,
    the keys)."""
    wanted = {a: sorted(set(keys)) for a, keys in keys_by_account.items()}
    found: dict[int, tuple[int, list[int]]] = {}
    if conn.dialect.name == "postgresql":
        # The pairs as two parallel arrays: each account's id repeated once a key of its own.
        ordered = [(a, keys) for a, keys in sorted(wanted.items()) if keys]
        if ordered:
            arrays = {
                "account_ids": int_array(
                    chain.from_iterable(repeat(a, len(k)) for a, k in ordered)
                ),
                "keys": int_array(chain.from_iterable(k for _, k in ordered)),
            }
            for task_id, account_id, keys in conn.execute(_PAIR_ROWS, arrays).tuples().all():
                found[task_id] = (account_id, keys)
        return found
    for account_id, keys in sorted(wanted.items()):  # SQLite: no round trip to save
        for first in range(0, len(keys), KEYS_PER_QUERY):
            params = {"account_ids": [account_id], "keys": keys[first : first + KEYS_PER_QUERY]}
            for task_id, key, owner in conn.execute(_KEY_ROWS, params).tuples():
                entry = found.get(task_id)
                if entry is None:
                    found[task_id] = entry = (owner, [])
                entry[1].append(key)
    return found


def _bands(
    conn: Connection,
    keys_by_account: Mapping[int, Iterable[int]],
    start: datetime,
    end: datetime,
) -> list[tuple[int, PlacedPost, tuple[int, ...]]]:
    """Occupying posts of [start, end) sharing band keys with an account's keys: (that account,
    the post, the keys it shares)."""
    keys_of = _keys_by_task(conn, keys_by_account)
    ids = sorted(keys_of)
    found: list[tuple[int, PlacedPost, tuple[int, ...]]] = []
    for first in range(0, len(ids), KEYS_PER_QUERY):
        chunk = ids[first : first + KEYS_PER_QUERY]
        for row in conn.execute(_BY_IDS, {"ids": chunk, "start": start, "end": end}):
            account_id, keys = keys_of[row.id]
            found.append((account_id, PlacedPost.from_row(row), tuple(sorted(keys))))
    return found


@dataclass(frozen=True)
class Around:
    """What one read for a check gives: the posts of a span (and the nearest post on either
    side of it), and the posts sharing band keys within the duplicate window."""

    placed: list[PlacedPost]  # in (time, id) order, as the reads sort them
    edges: list[PlacedPost]
    band_matches: list[tuple[PlacedPost, tuple[int, ...]]]  # each post with the keys it shares


# The (account, start, end) spans of a read, as rows joined on the tasks. The spans come as
# one parameter and the statement never changes, so SQLAlchemy compiles it once: a VALUES list
# of the spans was a new statement each batch, compiled each time (more than it took to run).
# SQLite: a JSON array of [account, start, end] with the times as the column stores them.
_SQLITE_WINDOWS = (
    text(
        "SELECT CAST(json_extract(value, '$[0]') AS INTEGER) AS account_id,"
        " json_extract(value, '$[1]') AS start, json_extract(value, '$[2]') AS \"end\""
        " FROM json_each(:windows)"
    )
    .columns(column("account_id", Integer), column("start", String), column("end", String))
    .cte("windows")
)
_POSTGRES_WINDOWS = (
    text(
        "SELECT * FROM unnest(CAST(:accounts AS bigint[]), CAST(:starts AS timestamptz[]),"
        ' CAST(:ends AS timestamptz[])) AS w (account_id, start, "end")'
    )
    .columns(
        column("account_id", Integer),
        column("start", tasks.c.scheduled_at.type),
        column("end", tasks.c.scheduled_at.type),
    )
    .cte("windows")
)


def _window_params(
    dialect: Dialect, spans_by_account: Mapping[int, Sequence[tuple[datetime, datetime]]]
) -> dict[str, str]:
    """The spans as the parameters of the dialect's windows statement."""
    rows = [
        (a, start, end) for a, spans in sorted(spans_by_account.items()) for start, end in spans
    ]
    if dialect.name == "postgresql":
        return {
            "accounts": int_array(a for a, _, _ in rows),
            "starts": time_array(start for _, start, _ in rows),
            "ends": time_array(end for _, _, end in rows),
        }
    # As the column stores a time: the dialect's processor (the bare type's gives a datetime).
    stored = tasks.c.scheduled_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert stored is not None
    return {"windows": json.dumps([(a, stored(start), stored(end)) for a, start, end in rows])}


def _placed_in(windows: CTE) -> Select[Any]:
    """The occupying posts of each account's spans, each span one range of the (account,
    time) index."""
    return (
        select(*_COLUMNS)
        .join_from(
            tasks,
            windows,
            and_(
                tasks.c.account_id == windows.c.account_id,
                tasks.c.scheduled_at >= windows.c.start,
                tasks.c.scheduled_at < windows.c.end,
            ),
        )
        # `status || ''`: no index serves the term, so the planner takes (account, time).
        # SQLite took (status, time) and walked every account's posts of the span: 94 ms
        # for 10 accounts at 200,000 tasks, against 1 ms.
        .where(tasks.c.status.concat("").in_(_OCCUPYING))
        .order_by(tasks.c.scheduled_at, tasks.c.id)
    )


def _edges_of(windows: CTE) -> Select[Any]:
    """The nearest post before each span and at or after its end, in one statement (a
    correlated subquery a side of a span, each one indexed lookup)."""
    inner = tasks.alias("inner")
    nearest = []
    for before in (True, False):
        order = (
            (inner.c.scheduled_at.desc(), inner.c.id.desc())
            if before
            else (inner.c.scheduled_at, inner.c.id)
        )
        when = (
            inner.c.scheduled_at < windows.c.start
            if before
            else inner.c.scheduled_at >= windows.c.end
        )
        found = (
            select(inner.c.id)
            .where(inner.c.account_id == windows.c.account_id, inner.c.status.in_(_OCCUPYING), when)
            .order_by(*order)
            .limit(1)
            .scalar_subquery()
        )
        nearest.append(select(found).select_from(windows))
    return select(*_COLUMNS).where(tasks.c.id.in_(union_all(*nearest)))


# (posts of the spans, edges of the spans), SQLite's and Postgres's, built once.
_SPAN_READS = {
    postgres: (_placed_in(windows), _edges_of(windows))
    for postgres, windows in ((False, _SQLITE_WINDOWS), (True, _POSTGRES_WINDOWS))
}


# Every account's lock in one statement (one round trip, not one an account): unnest yields
# the sorted ids in array order and the aggregate takes the locks in that order.
_LOCK_ACCOUNTS = text(
    "SELECT count(pg_advisory_xact_lock(8094003, a)) FROM unnest(CAST(:ids AS integer[])) AS a"
)


class ConflictQueries(StoreBase):
    """Reads for the conflict checks; all indexed by (account, time) or (account, band key)."""

    @contextmanager
    def placing(self, account_ids: Iterable[int]) -> Iterator[Connection]:
        """One transaction in which posts of these accounts are checked and stored, so no other
        placement of the same accounts runs between the check and the insert: SQLite's write
        lock is taken at BEGIN; on Postgres, a lock an account (in id order: no deadlock)."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(_LOCK_ACCOUNTS, {"ids": int_array(sorted(set(account_ids)))})
            yield conn

    @contextmanager
    def _reading(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as own:
            yield own

    def read_around(
        self,
        account_id: int,
        span: tuple[datetime, datetime] | None,
        keys: Iterable[int],
        band_span: tuple[datetime, datetime] | None,
        conn: Connection | None = None,
    ) -> Around:
        """The account's occupying posts in `span` (with the nearest post before and after
        it), and those in `band_span` sharing one of `keys`: one connection, one round each."""
        wanted = list(keys)
        with self._reading(conn) as reader:
            placed, edges = _span_and_edges(reader, account_id, *span) if span else ([], [])
            found = _bands(reader, {account_id: wanted}, *band_span) if band_span else []
            matches = [(post, keys) for _, post, keys in found]
        return Around(placed, edges, matches)

    def read_around_many(
        self,
        keys_by_account: Mapping[int, set[int]],
        spans_by_account: Mapping[int, Sequence[tuple[datetime, datetime]]],
        band_span: tuple[datetime, datetime],
        conn: Connection | None = None,
    ) -> dict[int, Around]:
        """`read_around` for several accounts, each over its own spans (sorted, apart): the
        posts of all in one query, the edges of every span in one, the band keys of each
        account (only its own) in one on Postgres."""
        ids = sorted(keys_by_account)
        by_account: dict[int, Around] = {a: Around([], [], []) for a in ids}
        with self._reading(conn) as conn:
            if any(spans_by_account.get(a) for a in ids):
                params = _window_params(conn.dialect, {a: spans_by_account.get(a, ()) for a in ids})
                placed, edges = _SPAN_READS[conn.dialect.name == "postgresql"]
                for row in conn.execute(placed, params):
                    post = PlacedPost.from_row(row)
                    by_account[post.account_id].placed.append(post)
                for row in conn.execute(edges, params):
                    post = PlacedPost.from_row(row)
                    by_account[post.account_id].edges.append(post)
            for account_id, post, keys in _bands(conn, keys_by_account, *band_span):
                by_account[account_id].band_matches.append((post, keys))
        return by_account
