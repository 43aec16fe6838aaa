"""Following submitted posts through the platform's review until it ends.

WeChat, Douyin and Baijiahao accept a post and then review it: the publisher leaves such a
task `submitted`. Each poll asks the platform where every submitted task stands and moves it
to `published`, or to `failed` with the platform's own message; a task still in review, or
whose platform cannot answer now, stays for the next poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus
from scheduling_platform.platforms.base import ErrorKind, PlatformClient, PlatformError
from scheduling_platform.publishing.token_refresh import refresh_credentials
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

log = logging.getLogger(__name__)
ACTOR = "review_job"


@dataclass(frozen=True)
class ReviewOutcome:
    task_id: int
    platform: str
    status: TaskStatus  # published, failed, or still submitted
    detail: str | None = None


def poll_reviews(
    store: TaskStore, client_for: Callable[[str], PlatformClient], *, limit: int = 1000
) -> list[ReviewOutcome]:
    """Ask the platform about every submitted task (oldest first); one outcome each."""
    submitted = store.list_tasks(TaskStatus.SUBMITTED, limit=limit)
    if not submitted:
        return []
    accounts = store.accounts_by_id({t.account_id for t in submitted})
    clients: dict[str, PlatformClient] = {}
    outcomes = []
    for task in submitted:
        if task.platform not in clients:
            clients[task.platform] = client_for(task.platform)
        account = accounts[task.account_id]
        outcome = _poll_one(store, clients[task.platform], task, account)
        if outcome.detail and "token renewed" in outcome.detail:
            accounts[task.account_id] = store.get_account(account.id)
        outcomes.append(outcome)
    return outcomes


def _poll_one(
    store: TaskStore, client: PlatformClient, task: Task, account: Account
) -> ReviewOutcome:
    post_id = task.platform_post_id or ""
    renewed = ""
    try:
        try:
            result = client.publish_status(account.credentials, post_id)
        except PlatformError as exc:
            if exc.kind is not ErrorKind.AUTH:
                raise
            # The token ran out while the post was in review: renew once and ask again.
            credentials = refresh_credentials(store, client, account)
            renewed = "; token renewed"
            result = client.publish_status(credentials, post_id)
    except PlatformError as exc:
        if exc.kind is ErrorKind.REJECTED:
            return _move(store, task, TaskStatus.FAILED, str(exc), {"last_error": str(exc)})
        log.warning("review status of task %s unknown for now: %s", task.id, exc)
        return ReviewOutcome(task.id, task.platform, task.status, f"{exc}{renewed}")
    if not result.final:
        return ReviewOutcome(task.id, task.platform, task.status, f"in review{renewed}")
    values = {
        "published_at": utcnow(),
        "lease_expires_at": None,
        "last_error": None,
        "platform_post_id": result.platform_post_id,
    }
    return _move(store, task, TaskStatus.PUBLISHED, f"review passed{renewed}", values)


def _move(
    store: TaskStore, task: Task, target: TaskStatus, detail: str, values: Mapping[str, object]
) -> ReviewOutcome:
    try:
        store.transition(task, target, actor=ACTOR, detail=detail, values=values)
    except InvalidTransitionError as exc:  # moved meanwhile (cancelled, another poll)
        return ReviewOutcome(task.id, task.platform, task.status, str(exc))
    return ReviewOutcome(task.id, task.platform, target, detail)
