"""An account's posts around the times being checked, read once and kept in memory.

The checks of a batch, an import chunk or a series expansion run against one neighbourhood per
account: the store is read for the spans the posts need (each with the nearest post on either
side, so "the post just before" is always right), and posts accepted earlier in the same batch
are added with provisional (negative) ids, so later items are checked against them too.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Connection

from scheduling_platform.fingerprints import shingles
from scheduling_platform.store.conflicts import Around, PlacedPost
from scheduling_platform.store.task_store import TaskStore

_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()
_FEW_HOLDERS = 8  # posts a band key is kept for in a tuple; a set past that (no quadratic growth)


def micros_of(at: datetime) -> int:
    """An aware time as UTC microseconds since the epoch, exactly (a float timestamp loses
    microseconds past the 25th century); from its fields, which is several times faster than
    dividing timedeltas, and a batch converts thousands."""
    utc = at if at.tzinfo is UTC else at.astimezone(UTC)
    days = utc.toordinal() - _EPOCH_ORDINAL
    seconds = days * 86400 + utc.hour * 3600 + utc.minute * 60 + utc.second
    return seconds * 1_000_000 + utc.microsecond


def merged_spans(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The same times as sorted spans apart from each other (touching ones joined)."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class Neighbourhood:
    """Posts of one account: by time, by LSH band key, with their shingles on demand."""

    def __init__(
        self, store: TaskStore | None, account_id: int, conn: Connection | None = None
    ) -> None:
        self.store = store
        self.conn = conn  # read through the placement's transaction, when there is one
        self.account_id = account_id
        self.posts: dict[int, PlacedPost] = {}
        self._order: list[tuple[datetime, int]] = []
        # Key -> ids of the posts holding it: a tuple while they are few (a tuple of ints
        # leaves the garbage collector's watch, while the 20,000 sets of an expansion set off
        # a full collection, 0.1 s and more with scipy loaded), a set once they are many.
        self._bands: dict[int, tuple[int, ...] | set[int]] = {}
        self._shingles: dict[int, frozenset[str]] = {}
        # The spans read, sorted and apart: a batch's posts a month apart need a day around
        # each, not the month between them.
        self._covered: list[tuple[datetime, datetime]] = []
        self._band_span: tuple[datetime, datetime] | None = None
        self._band_keys: set[int] = set()
        self._excluded: set[int] = set()
        self._micros: list[int] = []  # `_order`'s times as `micros_of`, for `within_gap`

    # -- reading ------------------------------------------------------------------------
    def ensure_span(self, start: datetime, end: datetime) -> None:
        """Have every post of [start, end) and the nearest one on either side of it."""
        self.ensure(start, end, (), start, start)

    def ensure_bands(self, keys: Iterable[int], start: datetime, end: datetime) -> None:
        """Have the posts of [start, end) that share one of `keys`."""
        self.ensure(start, start, keys, start, end)

    def ensure(
        self,
        start: datetime,
        end: datetime,
        keys: Iterable[int],
        band_start: datetime,
        band_end: datetime,
    ) -> None:
        """Have the posts of [start, end) (and the nearest on either side), and those of
        [band_start, band_end) sharing one of `keys`, reading only what is not read yet."""
        gaps = self._uncovered(start, end)
        wanted = set(keys)
        band_span: tuple[datetime, datetime] | None = None
        current = self._band_span
        if wanted and band_start < band_end:
            if current and current[0] <= band_start and band_end <= current[1]:
                wanted -= self._band_keys
                band_start, band_end = current
            elif current:  # a wider window: read every key again over the union
                band_start, band_end = min(band_start, current[0]), max(band_end, current[1])
                wanted |= self._band_keys
            band_span = (band_start, band_end) if wanted else None
        if self.store is not None and (gaps or band_span):
            # The band matches come with the first read; a read for them alone has no span.
            spans: list[tuple[datetime, datetime] | None] = [*gaps] or [None]
            for n, span in enumerate(spans):
                bands = band_span if n == 0 else None
                around = self.store.read_around(self.account_id, span, wanted, bands, self.conn)
                self.absorb(around)
        if gaps:
            self._covered = merged_spans([*self._covered, *gaps])
        if band_span:
            self._band_keys = self._band_keys | wanted  # may be shared with other accounts
            self._band_span = band_span

    def _uncovered(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The parts of [start, end) no read has covered yet."""
        gaps = []
        for covered_start, covered_end in self._covered:
            if start >= end:
                break
            if covered_end <= start:
                continue
            if covered_start > start:
                gaps.append((start, min(end, covered_start)))
            start = max(start, covered_end)
        if start < end:
            gaps.append((start, end))
        return gaps

    def absorb(self, around: Around) -> None:
        """Add what a read of the store found."""
        if around.placed and not self._order:
            # A first read (a batch's, of thousands of posts) comes in (time, id) order:
            # taken whole, not sorted in one insert at a time.
            self.posts.update((post.id, post) for post in around.placed)
            self._order = [(post.at, post.id) for post in around.placed]
            self._micros = [micros_of(post.at) for post in around.placed]
        else:
            for post in around.placed:
                self._place(post)
        for post in around.edges:
            self._place(post)
        for post, keys in around.band_matches:
            self._place(post)
            self._hold(keys, post.id)

    def mark_loaded(
        self,
        spans: Iterable[tuple[datetime, datetime]],
        keys: Iterable[int],
        band_span: tuple[datetime, datetime],
    ) -> None:
        """Record what a read for several accounts at once covered (see `prepare`)."""
        self._covered = merged_spans([*self._covered, *spans])
        self._band_keys = keys if isinstance(keys, set) else set(keys)
        self._band_span = band_span

    def exclude(self, task_id: int) -> None:
        """Leave a task out (the one being moved is no neighbour of itself)."""
        self._excluded.add(task_id)

    # -- adding what a batch accepted --------------------------------------------------
    def add_pending(
        self,
        provisional: int,
        at: datetime,
        content: str,
        media: tuple[str, ...],
        keys: Iterable[int],
        series_id: int | None = None,
    ) -> None:
        """Add a post accepted earlier in this batch under a provisional (negative) id."""
        self._place(PlacedPost(provisional, self.account_id, at, content, media, series_id))
        self._hold(keys, provisional)

    def _hold(self, keys: Iterable[int], post_id: int) -> None:
        for key in keys:
            holders = self._bands.get(key, ())
            if isinstance(holders, set):
                holders.add(post_id)
            elif post_id not in holders:
                grown = (*holders, post_id)
                self._bands[key] = set(grown) if len(grown) > _FEW_HOLDERS else grown

    def _place(self, post: PlacedPost) -> None:
        if post.id in self.posts:
            return
        self.posts[post.id] = post
        entry = (post.at, post.id)
        index = bisect.bisect_right(self._order, entry)
        self._order.insert(index, entry)
        self._micros.insert(index, micros_of(post.at))

    # -- questions the checks ask ------------------------------------------------------
    def between(self, start: datetime, end: datetime) -> list[PlacedPost]:
        """Posts in [start, end), by time then id."""
        lo = bisect.bisect_left(self._order, (start, -(2**62)))
        hi = bisect.bisect_left(self._order, (end, -(2**62)))
        found = (self.posts[i] for _, i in self._order[lo:hi])
        return [p for p in found if p.id not in self._excluded]

    def any_within(self, at: datetime, gap: timedelta, task_id: int | None) -> bool:
        """Whether a post other than `task_id` is less than `gap` from `at` (`between`'s
        answer to time_overlap's question, without the list)."""
        order = self._order
        for n in range(bisect.bisect_right(order, (at - gap, 2**62)), len(order)):
            when, i = order[n]  # indexed, not sliced: a slice copies the rest of the list
            if when - at >= gap:
                return False
            if i != task_id and i not in self._excluded:
                return True
        return False

    def within_gap(self, micros: np.ndarray, gap: timedelta, task_id: int | None) -> np.ndarray:
        """`any_within` for many times at once (UTC microseconds since the epoch, as
        `micros_of` gives them): a slot search masks the slots a neighbour blocks this way
        instead of asking slot by slot."""
        left_out = self._excluded | ({task_id} if task_id is not None else set())
        if left_out & self.posts.keys():
            pairs = zip(self._micros, self._order, strict=True)
            times = np.fromiter((t for t, (_, i) in pairs if i not in left_out), dtype=np.int64)
        else:
            times = np.array(self._micros, dtype=np.int64)
        if not len(times):
            return np.zeros(len(micros), dtype=bool)
        span = gap // timedelta(microseconds=1)
        after = np.searchsorted(times, micros - span, side="right")  # first later than -gap
        found = times[np.minimum(after, len(times) - 1)]
        return (after < len(times)) & (found < micros + span)

    def adjacent(self, at: datetime, task_id: int | None) -> tuple[PlacedPost | None, ...]:
        """The posts just before and just after (at, task_id) in (time, id) order; a new post
        (no id) sorts after the posts of the same instant."""
        key = (at, task_id if task_id is not None else 2**62)
        index = bisect.bisect_left(self._order, key)
        before = after = None
        for _, i in reversed(self._order[:index]):
            if i not in self._excluded and i != task_id:
                before = self.posts[i]
                break
        for _, i in self._order[index:]:
            if i not in self._excluded and i != task_id:
                after = self.posts[i]
                break
        return before, after

    def sharing_bands(self, keys: Iterable[int]) -> list[PlacedPost]:
        ids: set[int] = set()
        for key in keys:
            ids.update(self._bands.get(key, ()))
        return [self.posts[i] for i in sorted(ids) if i not in self._excluded]

    def shingles_of(self, post: PlacedPost) -> frozenset[str]:
        if post.id not in self._shingles:
            self._shingles[post.id] = shingles(post.content)
        return self._shingles[post.id]
