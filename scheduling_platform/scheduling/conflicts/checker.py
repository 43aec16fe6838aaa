"""The conflict check of a post: every rule, and the nearest free good slot when a move helps.

`check_post` is the whole check for one post; `ConflictChecker` keeps one neighbourhood per
account so that a batch, an import chunk or a series expansion reads the store once per account
and checks each post against the ones accepted before it (`accept`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection

from scheduling_platform.fingerprints import band_keys, shingles
from scheduling_platform.scheduling.conflicts.duplicates import (
    identical_consecutive,
    near_duplicates,
)
from scheduling_platform.scheduling.conflicts.free_slot import nearest_free_slot
from scheduling_platform.scheduling.conflicts.model import (
    CheckResult,
    Conflict,
    FixAction,
    Post,
    SuggestedFix,
)
from scheduling_platform.scheduling.conflicts.neighbourhood import Neighbourhood, merged_spans
from scheduling_platform.scheduling.conflicts.overlap import time_overlap
from scheduling_platform.scheduling.conflicts.quotas import quota_conflicts
from scheduling_platform.scheduling.conflicts.resources import account_status, media_reuse
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore

ONE_SECOND = timedelta(seconds=1)  # the duplicate window is closed at both ends


class ConflictChecker:
    """Checks posts against the store (None: against each other only) and each other."""

    def __init__(
        self, store: TaskStore | None, rules: ConflictRules, conn: Connection | None = None
    ) -> None:
        self.store = store
        self.rules = rules
        self.conn = conn  # the placement's transaction (store.placing), if any
        self._hoods: dict[int, Neighbourhood] = {}
        self._next_provisional = -1  # one sequence for all accounts: ids map back uniquely

    def neighbourhood(self, account_id: int) -> Neighbourhood:
        if account_id not in self._hoods:
            self._hoods[account_id] = Neighbourhood(self.store, account_id, self.conn)
        return self._hoods[account_id]

    def prepare(self, wanted: Iterable[tuple[Post, timedelta]]) -> None:
        """Read what the checks of the posts need, for all their accounts in a few queries
        (optional: `check` reads what is missing). Each post comes with how far after its
        time it may be placed (zero: at its time)."""
        chosen = [(p, extent) for p, extent in wanted if p.account_id not in self._hoods]
        if not chosen or self.store is None:
            return
        window = self.rules.duplicate_window
        keys: dict[int, set[int]] = {}
        spans: dict[int, list[tuple[datetime, datetime]]] = {}
        for post, extent in chosen:
            keys.setdefault(post.account_id, set()).update(band_keys(post.content))
            reach = self.rules.reach(post.platform)
            spans.setdefault(post.account_id, []).append(
                (post.at - reach, post.at + extent + reach)
            )
        first = min(p.at for p, _ in chosen)
        last = max(p.at + extent for p, extent in chosen)
        band_span = (first - window, last + window + ONE_SECOND)
        merged = {account_id: merged_spans(s) for account_id, s in spans.items()}
        found = self.store.read_around_many(keys, merged, band_span, self.conn)
        for account_id, around in found.items():
            hood = self.neighbourhood(account_id)
            hood.absorb(around)
            hood.mark_loaded(merged[account_id], keys[account_id], band_span)

    def check(self, account: Account, post: Post, now: datetime) -> CheckResult:
        """Every conflict of `post` at its time, with fixes; a movable error gets the nearest
        free good slot as its fix."""
        hood = self.neighbourhood(post.account_id)
        if post.task_id is not None:
            hood.exclude(post.task_id)
        reach, window = self.rules.reach(post.platform), self.rules.duplicate_window
        keys = band_keys(post.content)
        hood.ensure(
            post.at - reach, post.at + reach, keys, post.at - window, post.at + window + ONE_SECOND
        )
        consecutive = identical_consecutive(post, hood)
        conflicts: list[Conflict] = [
            *account_status(account),
            *time_overlap(post, hood, self.rules),
            *media_reuse(post, hood, self.rules),
            *quota_conflicts(post, hood, self.rules),
            *consecutive,
            *near_duplicates(
                post,
                hood,
                self.rules,
                keys,
                shingles(post.content),
                skip={i for c in consecutive for i in c.other_task_ids},
            ),
        ]
        if not any(c.movable for c in conflicts):
            return CheckResult(post, tuple(conflicts))
        slot = nearest_free_slot(post, hood, self.rules, now)
        fix = (
            SuggestedFix(FixAction.MOVE, f"move to {slot.isoformat()}, the nearest free slot", slot)
            if slot
            else SuggestedFix(FixAction.MOVE, "no free slot within a week either side: pick a time")
        )
        return CheckResult(
            post, tuple(c.with_fix(fix) if c.movable else c for c in conflicts), slot
        )

    def accept(self, post: Post) -> int:
        """Count `post` as placed for the checks that follow; returns its provisional id."""
        provisional = self._next_provisional
        self._next_provisional -= 1
        self.neighbourhood(post.account_id).add_pending(
            provisional,
            post.at,
            post.content,
            post.media,
            band_keys(post.content),
            series_id=post.series_id,
        )
        return provisional


def check_post(
    store: TaskStore, rules: ConflictRules, account: Account, post: Post, now: datetime
) -> CheckResult:
    """The conflicts of one post against the store (the check on its own, for any strategy)."""
    return ConflictChecker(store, rules).check(account, post, now)
