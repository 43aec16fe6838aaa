"""Posts really published on the sandbox and recorded as published tasks, for ingestion tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import Post
from scheduling_platform.platforms.registry import make_client, sandbox_base_url
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.schema import tasks
from scheduling_platform.store.task_store import TaskStore


def publish_on_sandbox(
    store: TaskStore,
    settings: Settings,
    account: Account,
    content: str,
    published_at: datetime,
    media: tuple[str, ...] = (),
) -> Task:
    """The sandbox gets the text; the task keeps its media and is marked published then."""
    task = store.create_task(account, content, published_at, media=media)
    client = make_client(account.platform, sandbox_base_url(account.platform, settings))
    result = client.publish(account.credentials, Post(task.id, task.content))
    with store.engine.begin() as conn:
        conn.execute(
            update(tasks)
            .where(tasks.c.id == task.id)
            .values(
                status=TaskStatus.PUBLISHED.value,
                platform_post_id=result.platform_post_id,
                published_at=published_at,
            )
        )
    return store.get_task(task.id)
