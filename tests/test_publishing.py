"""The batch publisher against a real sandbox: due times, order, refusals, errors, tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from scheduling_platform.accounts.registration import sandbox_credentials
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.weibo import WeiboClient
from scheduling_platform.publishing.publisher import BatchPublisher
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow


def _sandbox_account(store: TaskStore, sandbox_url: str, name: str):
    credentials = sandbox_credentials("weibo", name, Settings(sandbox_url=sandbox_url))
    return store.add_account("weibo", name, "Asia/Shanghai", credentials)


def _claim_all(store: TaskStore, prefix: str = "w") -> str:
    horizon = utcnow() + timedelta(minutes=5)
    store.claim_due_tasks(
        horizon=horizon, claim_batch_prefix=prefix, lease_until=horizon + timedelta(minutes=5)
    )
    return f"{prefix}:weibo"


def _posts(sandbox_url: str) -> list[dict]:
    return httpx.get(f"{sandbox_url}/_sandbox/posts").json()["posts"]


def test_posts_leave_at_their_time_in_account_order(store: TaskStore, sandbox_url: str) -> None:
    a = _sandbox_account(store, sandbox_url, "a")
    b = _sandbox_account(store, sandbox_url, "b")
    start = utcnow() + timedelta(seconds=1)
    tasks = [
        store.create_task(acc, f"post {i} of {acc.name}", start + timedelta(milliseconds=300 * i))
        for i in range(4)
        for acc in (a, b)
    ]
    batch = _claim_all(store)
    publisher = BatchPublisher(store, {"weibo": WeiboClient(f"{sandbox_url}/weibo")}, "run-1")
    outcomes = publisher.publish_batch(batch)
    assert sorted(o.task_id for o in outcomes) == sorted(t.id for t in tasks)
    assert all(o.status is TaskStatus.PUBLISHED for o in outcomes)
    posts = _posts(sandbox_url)
    assert len(posts) == len(tasks)
    due = {t.content: t.scheduled_at for t in tasks}
    for post in posts:
        received = datetime.fromisoformat(post["received_at"])
        assert received >= due[post["text"]], "a post left before its time"
        assert (received - due[post["text"]]).total_seconds() < 5
    for account in ("a", "b"):
        texts = [p["text"] for p in posts if p["account"] == account]
        assert texts == sorted(texts, key=lambda text: due[text])
    assert {t.status for t in store.list_tasks()} == {TaskStatus.PUBLISHED}
    # A second run on the same batch finds nothing left to send.
    assert publisher.publish_batch(batch) == []
    assert len(_posts(sandbox_url)) == len(tasks)


def test_cancelled_after_claim_is_not_sent(store: TaskStore, sandbox_url: str) -> None:
    account = _sandbox_account(store, sandbox_url, "a")
    keep = store.create_task(account, "keep", utcnow() + timedelta(seconds=1))
    drop = store.create_task(account, "drop", utcnow() + timedelta(seconds=1))
    batch = _claim_all(store)
    store.transition(store.get_task(drop.id), TaskStatus.CANCELLED, actor="test")
    BatchPublisher(store, {"weibo": WeiboClient(f"{sandbox_url}/weibo")}).publish_batch(batch)
    assert [p["text"] for p in _posts(sandbox_url)] == ["keep"]
    assert store.get_task(keep.id).status is TaskStatus.PUBLISHED
    assert store.get_task(drop.id).status is TaskStatus.CANCELLED


def test_platform_refusal_fails_with_its_message(store: TaskStore, sandbox_url: str) -> None:
    account = _sandbox_account(store, sandbox_url, "a")
    first = store.create_task(account, "same words", utcnow() + timedelta(seconds=1))
    second = store.create_task(account, "same words", utcnow() + timedelta(seconds=1.2))
    batch = _claim_all(store)
    BatchPublisher(store, {"weibo": WeiboClient(f"{sandbox_url}/weibo")}).publish_batch(batch)
    assert store.get_task(first.id).status is TaskStatus.PUBLISHED
    refused = store.get_task(second.id)
    assert refused.status is TaskStatus.FAILED
    assert "repeat content" in (refused.last_error or "")
    assert len(_posts(sandbox_url)) == 1


def test_unreachable_platform_is_retried_later(store: TaskStore, sandbox_url: str) -> None:
    account = _sandbox_account(store, sandbox_url, "a")
    task = store.create_task(account, "x", utcnow() + timedelta(seconds=0.5))
    batch = _claim_all(store)
    dead = WeiboClient("http://127.0.0.1:9/weibo", timeout_seconds=1)
    (outcome,) = BatchPublisher(store, {"weibo": dead}).publish_batch(batch)
    after = store.get_task(task.id)
    assert after.status is TaskStatus.RETRYING
    assert after.not_before is not None and after.not_before > utcnow()
    assert "could not reach" in (after.last_error or "")
    # Not claimable before its backoff ends.
    assert (
        store.claim_due_tasks(
            horizon=utcnow() + timedelta(seconds=5),
            claim_batch_prefix="x",
            lease_until=utcnow() + timedelta(minutes=5),
        )
        == []
    )


def test_expired_token_is_renewed_once_and_kept(store: TaskStore, sandbox_url: str) -> None:
    account = _sandbox_account(store, sandbox_url, "a")
    stale = {**account.credentials, "access_token": "no-longer-valid"}
    store.update_credentials(account.id, stale)
    task = store.create_task(account, "x", utcnow() + timedelta(seconds=0.5))
    batch = _claim_all(store)
    BatchPublisher(store, {"weibo": WeiboClient(f"{sandbox_url}/weibo")}).publish_batch(batch)
    assert store.get_task(task.id).status is TaskStatus.PUBLISHED
    renewed = store.get_account(account.id).credentials["access_token"]
    assert renewed != "no-longer-valid"


def test_auth_failure_without_a_way_to_renew_is_not_sent(
    store: TaskStore, sandbox_url: str
) -> None:
    credentials = {"access_token": "bad", "rip": "127.0.0.1"}  # everything but a valid token
    account = store.add_account("weibo", "orphan", "Asia/Shanghai", credentials)
    task = store.create_task(account, "x", utcnow() + timedelta(seconds=0.5))
    batch = _claim_all(store)
    BatchPublisher(store, {"weibo": WeiboClient(f"{sandbox_url}/weibo")}).publish_batch(batch)
    after = store.get_task(task.id)
    assert after.status is not TaskStatus.PUBLISHED
    assert "authorised again" in (after.last_error or "")
    assert _posts(sandbox_url) == []
