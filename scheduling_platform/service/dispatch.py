"""After a create: ask the running platform to publish posts due before the due-task sensor's
next tick now, by a run of `publish_now_job` (docs/scheduling.md#immediate)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from scheduling_platform.publishing.immediate import JOB_NAME, due_before_next_tick, run_config
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import UnavailableError
from scheduling_platform.store.records import Task
from scheduling_platform.timeutil import utcnow

NEXT_TICK = "it goes out when the due-task sensor next claims it"
LOG = logging.getLogger(__name__)


def publish_due_now(ctx: ServiceContext, tasks: Iterable[Task]) -> str | None:
    """What was done for the posts due before the next tick (None: none is)."""
    due = due_before_next_tick(tasks, utcnow(), ctx.settings.sensor_interval_seconds)
    if not due:
        return None
    launcher = ctx.launcher
    if launcher is None:
        return f"no running platform to signal from here; {NEXT_TICK}"
    ids = [t.id for t in due]
    tags = {"trigger": "immediate", "task_count": str(len(ids))}
    try:
        run_id = launcher.launch(JOB_NAME, run_config(ids), tags)
    except UnavailableError as exc:
        return f"{exc}; {NEXT_TICK}"
    except Exception as exc:
        LOG.exception("could not start %s for tasks %s", JOB_NAME, ids)
        return f"could not start a publish run ({type(exc).__name__}); {NEXT_TICK}"
    return f"publish run {run_id} started for {len(ids)} post(s) due before the next tick"
