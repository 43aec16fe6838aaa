"""Claiming due tasks in windows: one batch per platform, named by the window and platform."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduling_platform.store.leases import (
    extend_claims,
    hold_missed_posts,
    release_expired_leases,
)
from scheduling_platform.store.task_store import TaskStore


@dataclass(frozen=True)
class ClaimedBatch:
    """Tasks of one platform claimed in one window; its name is also the publish run's key."""

    claim_batch: str
    platform: str
    task_ids: tuple[int, ...]
    account_ids: tuple[int, ...]
    first_due: datetime
    last_due: datetime


def window_name(window_end: datetime) -> str:
    # Milliseconds: publishers claiming in the same second must not share a batch name.
    return f"{window_end:%Y-%m-%dT%H:%M:%S}.{window_end.microsecond // 1000:03d}Z"


def claim_due_batches(
    store: TaskStore,
    *,
    now: datetime,
    lookahead_seconds: int,
    lease_seconds: int,
    max_lateness_seconds: int | None = None,
    limit: int = 20_000,
    waiting_batches: Iterable[str] = (),
) -> list[ClaimedBatch]:
    """Give back expired leases, hold posts too late to send, claim what is due by the horizon.

    Overdue posts still within `max_lateness_seconds` are claimed like any other: a sensor
    that was down, or a daemon restart, delays them but does not drop them. The claims of
    `waiting_batches` (runs still in the run queue: alive, not yet able to renew their own
    claims) are renewed first, so short leases do not expire under a busy queue.
    """
    for batch in waiting_batches:
        extend_claims(store, batch, now + timedelta(seconds=lookahead_seconds + lease_seconds))
    release_expired_leases(store, now)
    if max_lateness_seconds is not None:
        hold_missed_posts(store, now - timedelta(seconds=max_lateness_seconds), now)
    window_end = now + timedelta(seconds=lookahead_seconds)
    claimed = store.claim_due_tasks(
        horizon=window_end,
        claim_batch_prefix=window_name(window_end),
        lease_until=window_end + timedelta(seconds=lease_seconds),
        limit=limit,
    )
    by_batch = defaultdict(list)
    for task in claimed:
        by_batch[(task.claim_batch, task.platform)].append(task)
    return [
        ClaimedBatch(
            claim_batch=str(batch),
            platform=platform,
            task_ids=tuple(t.id for t in group),
            account_ids=tuple(sorted({t.account_id for t in group})),
            first_due=min(t.scheduled_at for t in group),
            last_due=max(t.scheduled_at for t in group),
        )
        for (batch, platform), group in sorted(by_batch.items())
    ]
