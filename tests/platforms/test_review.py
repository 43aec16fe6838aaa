"""The review path: submitted posts move to published or failed as the platform's review ends."""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.registry import make_client
from scheduling_platform.publishing.publisher import BatchPublisher
from scheduling_platform.publishing.review import poll_reviews
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.platforms.conftest import REVIEW_DELAY, Sandbox
from tests.samples import stored_media

COVER = stored_media(Path(tempfile.mkdtemp(prefix="review-cover-")), "cover.jpg")


def _submit(store: TaskStore, sandbox: Sandbox, platform: str, titles: list[str]) -> list[int]:
    account = store.add_account(
        platform, "brand", "Asia/Shanghai", sandbox.credentials(platform, "brand")
    )
    # A WeChat article needs its cover.
    media = (COVER,) if platform == "wechat" else ()
    tasks = [
        store.create_task(
            account, f"正文 {t}", utcnow() + timedelta(seconds=0.2), title=t, media=media
        )
        for t in titles
    ]
    horizon = utcnow() + timedelta(minutes=1)
    store.claim_due_tasks(horizon=horizon, claim_batch_prefix="r", lease_until=horizon)
    client = make_client(platform, sandbox.base(platform))
    outcomes = BatchPublisher(store, {platform: client}).publish_batch(f"r:{platform}")
    assert {o.status for o in outcomes} == {TaskStatus.SUBMITTED}
    return [t.id for t in tasks]


def test_review_passes_then_published(store: TaskStore, sandbox: Sandbox) -> None:
    ids = _submit(store, sandbox, "wechat", ["标题一", "标题二"])
    client_for = lambda p: make_client(p, sandbox.base(p))  # noqa: E731
    still = poll_reviews(store, client_for)  # review has not ended yet
    assert {o.status for o in still} == {TaskStatus.SUBMITTED}
    time.sleep(REVIEW_DELAY + 0.1)
    done = poll_reviews(store, client_for)
    assert {o.task_id: o.status for o in done} == {i: TaskStatus.PUBLISHED for i in ids}
    for task_id in ids:
        task = store.get_task(task_id)
        assert task.status is TaskStatus.PUBLISHED and task.published_at is not None
    assert poll_reviews(store, client_for) == []


def test_rejected_review_fails_with_the_platform_message(
    store: TaskStore, sandbox: Sandbox
) -> None:
    sandbox.configure(review_reject_rate=1.0)
    (task_id,) = _submit(store, sandbox, "baijiahao", ["百家号的标题"])
    time.sleep(REVIEW_DELAY + 0.1)
    (outcome,) = poll_reviews(store, lambda p: make_client(p, sandbox.base(p)))
    assert outcome.status is TaskStatus.FAILED
    task = store.get_task(task_id)
    assert task.status is TaskStatus.FAILED
    assert "did not pass the platform review" in (task.last_error or "")


def test_expired_token_during_review_is_renewed(store: TaskStore, sandbox: Sandbox) -> None:
    (task_id,) = _submit(store, sandbox, "wechat", ["标题"])
    sandbox.expire_tokens("wechat")
    time.sleep(REVIEW_DELAY + 0.1)
    (outcome,) = poll_reviews(store, lambda p: make_client(p, sandbox.base(p)))
    assert outcome.status is TaskStatus.PUBLISHED and "token renewed" in (outcome.detail or "")
    assert store.get_task(task_id).status is TaskStatus.PUBLISHED
