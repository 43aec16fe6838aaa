"""The immediate path: a post due before the due-task sensor's next tick could claim it is
published by a run started for it when it is created (`publish_now_job`), not at that tick.

The create path (API or CLI) asks the running platform for the run through the Dagster
webserver; the run claims the posts by id (whoever claims first, it or the sensor, sends) and
publishes each at its time. See docs/scheduling.md#immediate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from scheduling_platform.publishing.claiming import ClaimedBatch, window_name
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore

JOB_NAME = "publish_now_job"
# The sensor daemon evaluates sensors at most every 5 s, so a tick can come this much later
# than its interval says.
DAEMON_LOOP_SECONDS = 5


def due_before_next_tick(
    tasks: Iterable[Task], now: datetime, sensor_interval_seconds: int
) -> list[Task]:
    """The tasks the sensor's next tick may claim too late for their time."""
    horizon = now + timedelta(seconds=sensor_interval_seconds + DAEMON_LOOP_SECONDS)
    return [t for t in tasks if t.scheduled_at <= horizon]


def run_config(task_ids: Iterable[int]) -> dict[str, object]:
    return {"ops": {"publish_now": {"config": {"task_ids": sorted(set(task_ids))}}}}


def claim_now(
    store: TaskStore, task_ids: list[int], *, now: datetime, lease_seconds: int
) -> list[ClaimedBatch]:
    """Claim these tasks if still claimable (the sensor may have taken them), one batch a
    platform; they are due by the sensor's next tick, so the horizon is their own time."""
    found = store.list_tasks_by_id(task_ids)
    if not found:
        return []
    horizon = max(max(t.scheduled_at for t in found), now)
    claimed = store.claim_due_tasks(
        horizon=horizon,
        claim_batch_prefix="now-" + window_name(now),
        lease_until=horizon + timedelta(seconds=lease_seconds),
        actor=JOB_NAME,
        only=task_ids,
    )
    platforms = sorted({t.platform for t in claimed})
    return [
        ClaimedBatch(
            claim_batch=f"now-{window_name(now)}:{platform}",
            platform=platform,
            task_ids=tuple(t.id for t in claimed if t.platform == platform),
            account_ids=tuple(sorted({t.account_id for t in claimed if t.platform == platform})),
            first_due=min(t.scheduled_at for t in claimed if t.platform == platform),
            last_due=max(t.scheduled_at for t in claimed if t.platform == platform),
        )
        for platform in platforms
    ]
