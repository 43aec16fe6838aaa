"""Which task holds which platform post, and which tasks may have sent one unrecorded.

What verification after an unknown outcome needs from the store (publishing/verification.py),
and the refusal of a second holder of one post (the partial unique index
`uq_tasks_platform_post`, migration 0007).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select

from scheduling_platform.lifecycle import ErrorKind, TaskStatus
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.leases import needs_verification
from scheduling_platform.store.records import Task
from scheduling_platform.store.schema import publish_attempts, tasks

# Statuses whose post id the unique index covers: the post exists on the platform.
HOLDING = (TaskStatus.PUBLISHED, TaskStatus.SUBMITTED)
# Statuses of a task that may have sent a post it has not recorded yet.
UNRESOLVED = (
    TaskStatus.CLAIMED,
    TaskStatus.PUBLISHING,
    TaskStatus.RETRYING,
    TaskStatus.NEEDS_ATTENTION,
)


class PostHeldError(Exception):
    """The post is already another task's: the store keeps one holder per post."""

    def __init__(self, task_id: int, platform_post_id: str, holder: int | None) -> None:
        who = f"task {holder}" if holder is not None else "another task"
        super().__init__(
            f"post {platform_post_id} is already {who}'s; not recorded for task {task_id}"
        )
        self.platform_post_id = platform_post_id
        self.holder = holder


@dataclass(frozen=True)
class Unresolved:
    """Another task of the account that may have sent a post without recording it."""

    task: Task
    since: datetime  # when its earliest attempt that may have gone out began


def _may_have_gone_out() -> ColumnElement[bool]:
    return or_(
        publish_attempts.c.finished_at.is_(None),
        publish_attempts.c.error_kind == ErrorKind.UNKNOWN_OUTCOME.value,
    )


class PostIdentityQueries(StoreBase):
    """Holders of posts and the windows in which unrecorded posts may have been made."""

    def post_holders(
        self, platform: str, post_ids: Iterable[str], *, other_than: int
    ) -> dict[str, int]:
        """Post id -> the task (other than `other_than`) holding it, on any of the platform's
        accounts and in any status: a post one task holds is no other task's."""
        ids = sorted(set(post_ids))
        if not ids:
            return {}
        query = select(tasks.c.platform_post_id, func.min(tasks.c.id)).where(
            tasks.c.platform == platform,
            tasks.c.platform_post_id.in_(ids),
            tasks.c.id != other_than,
        )
        with self.reading() as conn:
            rows = conn.execute(query.group_by(tasks.c.platform_post_id)).all()
        return {str(post_id): int(task_id) for post_id, task_id in rows}

    def unknown_since(self, task: Task) -> datetime | None:
        """When the task's earliest attempt before the current one that may have gone out
        began (no answer recorded, or an unknown outcome); None when there is none."""
        query = select(func.min(publish_attempts.c.started_at)).where(
            publish_attempts.c.task_id == task.id,
            publish_attempts.c.attempt_no < task.attempt_count,
            _may_have_gone_out(),
        )
        with self.reading() as conn:
            return conn.execute(query).scalar_one_or_none()

    def unresolved_of_account(self, task: Task) -> list[Unresolved]:
        """The account's other tasks whose latest attempt may have gone out unrecorded, or
        that are sending now; each with the start of its window."""
        query = (
            select(publish_attempts.c.task_id, func.min(publish_attempts.c.started_at))
            .join(tasks, tasks.c.id == publish_attempts.c.task_id)
            .where(
                tasks.c.account_id == task.account_id,
                tasks.c.id != task.id,
                tasks.c.status.in_([s.value for s in UNRESOLVED]),
                _may_have_gone_out(),
            )
            .group_by(publish_attempts.c.task_id)
        )
        with self.reading() as conn:
            windows = {task_id: at for task_id, at in conn.execute(query)}
            rows = conn.execute(select(tasks).where(tasks.c.id.in_(list(windows)))).all()
        found = {row.id: Unresolved(Task.from_row(row), windows[row.id]) for row in rows}
        open_or_unknown = needs_verification(self, found)
        return [
            u
            for u in found.values()
            if u.task.id in open_or_unknown or u.task.status is TaskStatus.PUBLISHING
        ]

    def holder_of(self, platform: str, account_id: int, platform_post_id: str) -> int | None:
        """The task holding this post on this account (published or submitted), if any."""
        query = select(tasks.c.id).where(
            tasks.c.platform == platform,
            tasks.c.account_id == account_id,
            tasks.c.platform_post_id == platform_post_id,
            tasks.c.status.in_([s.value for s in HOLDING]),
        )
        with self.reading() as conn:
            return conn.execute(query.limit(1)).scalar_one_or_none()
