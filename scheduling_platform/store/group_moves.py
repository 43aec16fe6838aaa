"""Many tasks moved to one status by one conditional UPDATE, each only if still as read.

What `TaskQueries.move` does for one task (`WHERE id = ? AND status = ? AND lease_version = ?`),
for a group: a task whose row changed meanwhile is not moved and gets the error `move` raises.
A publisher's attempt writes use it: a round trip per task was most of a group's time on
Postgres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, select, tuple_, update

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus, check_transition
from scheduling_platform.store.audit import AuditEntry
from scheduling_platform.store.records import NotFoundError, Task
from scheduling_platform.store.schema import tasks
from scheduling_platform.store.tasks import transition_entry


def move_together(
    conn: Connection,
    group: Sequence[tuple[Task, str | None]],
    target: TaskStatus,
    *,
    actor: str,
    now: datetime,
    values: Mapping[str, Any],
    post_ids: Mapping[int, str] | None = None,
) -> list[tuple[Task, AuditEntry] | Exception]:
    """Move each (task, detail) of `group` to `target` with `values` (and, per task id, its
    `post_ids` entry as `platform_post_id`); per task, the moved task and its audit entry (not
    written), or the error that left it alone. Not for moves out of `claimed` other than to
    `publishing` (those withdraw the claim: `move` does that)."""
    results: list[tuple[Task, AuditEntry] | Exception | None] = [None] * len(group)
    wanted: dict[int, int] = {}  # task id -> its place in `group`
    for place, (task, _detail) in enumerate(group):
        try:
            check_transition(task.status, target)
            if task.id in wanted:
                raise InvalidTransitionError(f"task {task.id} twice in one group")
        except InvalidTransitionError as exc:
            results[place] = exc
            continue
        wanted[task.id] = place
    if wanted:
        changes = dict(values)
        named = {i: post_ids[i] for i in wanted if i in post_ids} if post_ids else {}
        if named:
            changes["platform_post_id"] = case(
                named, value=tasks.c.id, else_=tasks.c.platform_post_id
            )
        rows = conn.execute(
            update(tasks)
            # The ids on their own as well: SQLite scans the whole table for a row-value IN
            # (160 ms a group at a million tasks), and finds these by primary key.
            .where(tasks.c.id.in_(list(wanted)))
            .where(
                tuple_(tasks.c.id, tasks.c.status, tasks.c.lease_version).in_(
                    [(t.id, t.status.value, t.lease_version) for t, _ in group if t.id in wanted]
                )
            )
            .values(status=target.value, updated_at=now, **changes)
            .returning(*tasks.c)
        ).all()
        for row in rows:
            place = wanted.pop(row.id)
            task, detail = group[place]
            results[place] = (Task.from_row(row), transition_entry(task, target, actor, detail))
    if wanted:  # not moved: say why, as `move` does
        now_status = dict(
            conn.execute(select(tasks.c.id, tasks.c.status).where(tasks.c.id.in_(list(wanted))))
            .tuples()
            .all()
        )
        for task_id, place in wanted.items():
            results[place] = (
                NotFoundError(f"no task with id {task_id}")
                if task_id not in now_status
                else InvalidTransitionError(
                    f"task {task_id} changed meanwhile (now {now_status[task_id]}); "
                    f"it was not moved to {target}"
                )
            )
    done = [r for r in results if r is not None]
    assert len(done) == len(group)
    return done
