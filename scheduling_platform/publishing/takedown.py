"""Taking a task's live post down where the platform has an API for it, and recording it.

Weibo (`statuses/destroy`), WeChat (`freepublish/delete`) and Baijiahao (`article/withdraw`)
can; Douyin and Toutiao offer no way, and then nothing changes. The task moves to
`post_deleted` only after the platform said the post is gone.
"""

from __future__ import annotations

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus
from scheduling_platform.platforms.base import NoSuchOperationError, PlatformError
from scheduling_platform.publishing.withdrawal import OUT, RACES, ClientFor
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore


def delete_post(store: TaskStore, client_for: ClientFor, task_id: int, *, actor: str) -> Task:
    """Delete the post of a published (or submitted) task; returns the task, `post_deleted`."""
    task = store.get_task(task_id)
    post_id = task.platform_post_id
    if task.status not in OUT or post_id is None:
        raise InvalidTransitionError(
            f"task {task_id} is {task.status}: it has no post on {task.platform} to delete"
        )
    account = store.get_account(task.account_id)
    try:
        client_for(task.platform).delete_post(account.credentials, post_id)
    except NoSuchOperationError as exc:
        raise PlatformError(exc.kind, f"{exc}; nothing changed") from None
    except PlatformError as exc:
        raise PlatformError(
            exc.kind, f"{task.platform} did not delete post {post_id}: {exc}; nothing changed"
        ) from None
    detail = f"post {post_id} deleted from {task.platform}"
    for _ in range(RACES):
        try:
            return store.transition(
                task, TaskStatus.POST_DELETED, actor=actor, detail=detail, values={}
            )
        except InvalidTransitionError:
            task = store.get_task(task_id)  # the review poll moved it meanwhile
            if task.status not in OUT:
                raise
    raise InvalidTransitionError(f"task {task_id} kept changing; its post {post_id} is deleted")
