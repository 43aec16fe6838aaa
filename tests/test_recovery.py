"""Recovery: abandoned attempts are verified before any resend; late posts wait for a person."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx

from scheduling_platform.accounts.registration import sandbox_credentials
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import Post
from scheduling_platform.platforms.weibo import WeiboClient
from scheduling_platform.publishing.publisher import BatchPublisher
from scheduling_platform.publishing.rate_limit import TokenBucket
from scheduling_platform.settings import Settings
from scheduling_platform.store.leases import (
    hold_missed_posts,
    needs_verification,
    release_expired_leases,
)
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow


def _abandoned_attempt(store: TaskStore, sandbox_url: str, text: str):
    """A task whose run died after begin_attempt, its lease now run out."""
    credentials = sandbox_credentials("weibo", "brand", Settings(sandbox_url=sandbox_url))
    account = store.add_account("weibo", "brand", "Asia/Shanghai", credentials)
    store.create_task(account, text, utcnow() + timedelta(seconds=1))
    now = utcnow()
    (claimed,) = store.claim_due_tasks(
        horizon=now + timedelta(minutes=1),
        claim_batch_prefix="w1",
        lease_until=now + timedelta(minutes=5),
    )
    started = store.begin_attempt(claimed, "dead-run", lease_until=now + timedelta(seconds=2))
    return account, started


def _republish(store: TaskStore, sandbox_url: str) -> list:
    horizon = utcnow() + timedelta(minutes=10)
    store.claim_due_tasks(
        horizon=horizon, claim_batch_prefix="w2", lease_until=horizon + timedelta(minutes=5)
    )
    client = WeiboClient(f"{sandbox_url}/weibo")
    return BatchPublisher(store, {"weibo": client}, "run-2").publish_batch("w2:weibo")


def _posts(sandbox_url: str) -> list[dict]:
    return httpx.get(f"{sandbox_url}/_sandbox/posts").json()["posts"]


def test_post_that_went_out_before_the_crash_is_recorded_not_resent(
    store: TaskStore, sandbox_url: str
) -> None:
    account, started = _abandoned_attempt(store, sandbox_url, "went out, then the run died")
    # The request reached the platform just before the process was killed.
    WeiboClient(f"{sandbox_url}/weibo").publish(
        account.credentials, Post(started.id, started.content)
    )
    assert release_expired_leases(store, utcnow() + timedelta(seconds=3)) == 1
    returned = store.get_task(started.id)
    assert returned.status is TaskStatus.RETRYING
    assert needs_verification(store, [started.id]) == {started.id}
    (outcome,) = _republish(store, sandbox_url)
    assert outcome.status is TaskStatus.PUBLISHED and outcome.sent_at is None
    assert len(_posts(sandbox_url)) == 1
    final = store.get_task(started.id)
    assert final.platform_post_id == _posts(sandbox_url)[0]["platform_post_id"]
    assert [a["outcome"] for a in store.attempts(started.id)] == [None, "found_published"]


def test_post_that_never_went_out_is_sent_once(store: TaskStore, sandbox_url: str) -> None:
    _, started = _abandoned_attempt(store, sandbox_url, "the run died before sending")
    release_expired_leases(store, utcnow() + timedelta(seconds=3))
    (outcome,) = _republish(store, sandbox_url)
    assert outcome.status is TaskStatus.PUBLISHED and outcome.sent_at is not None
    assert [p["text"] for p in _posts(sandbox_url)] == ["the run died before sending"]
    assert needs_verification(store, [started.id]) == set()


def test_unverifiable_attempt_is_never_resent_blind(store: TaskStore, sandbox_url: str) -> None:
    _, started = _abandoned_attempt(store, sandbox_url, "nobody can tell")
    release_expired_leases(store, utcnow() + timedelta(seconds=3))
    horizon = utcnow() + timedelta(minutes=10)
    store.claim_due_tasks(
        horizon=horizon, claim_batch_prefix="w2", lease_until=horizon + timedelta(minutes=5)
    )
    down = WeiboClient("http://127.0.0.1:9/weibo", timeout_seconds=1)
    (outcome,) = BatchPublisher(store, {"weibo": down}).publish_batch("w2:weibo")
    after = store.get_task(started.id)
    assert after.status is TaskStatus.RETRYING and "cannot tell" in (after.last_error or "")
    assert needs_verification(store, [started.id]) == {started.id}  # asked again next time
    assert _posts(sandbox_url) == []


def test_posts_too_late_are_held_for_a_person(store: TaskStore) -> None:
    account = store.add_account("weibo", "brand", "Asia/Shanghai", {})
    now = utcnow()
    late = store.create_task(account, "late", now + timedelta(seconds=1))
    on_time = store.create_task(account, "on time", now + timedelta(hours=1))
    held = hold_missed_posts(store, cutoff=now + timedelta(minutes=1), now=now)
    assert held == 1
    assert store.get_task(late.id).status is TaskStatus.NEEDS_ATTENTION
    assert "too late" in (store.get_task(late.id).last_error or "")
    assert store.get_task(on_time.id).status is TaskStatus.SCHEDULED


def test_token_bucket_spaces_requests_after_the_burst() -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    bucket = TokenBucket(rate=10, burst=2, clock=lambda: clock[0], sleep=sleep)
    assert [bucket.acquire() for _ in range(2)] == [0.0, 0.0]
    assert round(bucket.acquire(), 3) == 0.1
    clock[0] += 1.0  # a quiet second refills the burst, no more
    assert [bucket.acquire() for _ in range(2)] == [0.0, 0.0]
    assert bucket.acquire() > 0


def test_a_live_run_keeps_its_waiting_claims(store: TaskStore, sandbox_url: str) -> None:
    """The heartbeat: claims of a run still waiting for their time do not expire under it."""
    credentials = sandbox_credentials("weibo", "brand", Settings(sandbox_url=sandbox_url))
    account = store.add_account("weibo", "brand", "Asia/Shanghai", credentials)
    later = store.create_task(account, "due in 5 s", utcnow() + timedelta(seconds=5))
    now = utcnow()
    store.claim_due_tasks(
        horizon=now + timedelta(minutes=1),
        claim_batch_prefix="w",
        lease_until=now + timedelta(seconds=3),  # would expire before the task is due
    )
    releases: list[int] = []

    def sleep_and_sweep(seconds: float) -> None:
        # Another publisher's tick sweeps expired leases while this run waits.
        for _ in range(int(seconds / 0.5) + 1):
            time.sleep(0.5)
            releases.append(release_expired_leases(store, utcnow()))

    publisher = BatchPublisher(
        store,
        {"weibo": WeiboClient(f"{sandbox_url}/weibo")},
        lease_seconds=3,
        sleep=sleep_and_sweep,
    )
    (outcome,) = publisher.publish_batch("w:weibo")
    assert outcome.status is TaskStatus.PUBLISHED
    assert sum(releases) == 0, "a claim of the live run was given back"
    assert store.get_task(later.id).lease_version == 1
