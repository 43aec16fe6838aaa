"""Cancel and reschedule up to the moment a send begins; a post that may be out is never
reported cancelled. Real sandbox on loopback, the real publisher, the service layer."""

from __future__ import annotations

import base64
import os
import threading
import time
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from scheduling_platform.fingerprints import band_keys
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.weibo import WeiboClient
from scheduling_platform.publishing.publisher import BatchPublisher, PublishOutcome
from scheduling_platform.publishing.withdrawal import PostStillOutError
from scheduling_platform.scheduling.series import Scope
from scheduling_platform.scheduling.tasks import cancel_task as cancel_in_domain
from scheduling_platform.service.accounts import AddAccountRequest, add_account
from scheduling_platform.service.cancellation import cancel_task
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import NotCancelledError
from scheduling_platform.service.series import CreateSeriesRequest, cancel_series, create_series
from scheduling_platform.service.tasks import reschedule_task
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account, Task
from scheduling_platform.timeutil import utcnow

ON_BOTH_STORES = pytest.mark.parametrize(
    "ctx", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def ctx(platform_env: Settings, request: pytest.FixtureRequest) -> ServiceContext:
    """The service over the home's SQLite store, or (ON_BOTH_STORES) a fresh Postgres schema."""
    if getattr(request, "param", "sqlite") == "postgres":
        url = request.getfixturevalue("postgres_url")
        key = SecretStr(base64.b64encode(os.urandom(32)).decode())  # only SQLite homes make one
        settings = platform_env.model_copy(update={"database_url": url, "encryption_key": key})
        return ServiceContext(settings, actor="test")
    return ServiceContext(platform_env, actor="test")


@pytest.fixture
def account(ctx: ServiceContext) -> Account:
    added = add_account(ctx, AddAccountRequest(platform="weibo", name="brand"))
    band_keys("warm up")  # their first use builds tables for seconds: not inside a test's timing
    return ctx.store.get_account(added.id)


def _posts(settings: Settings) -> list[dict]:
    return httpx.get(f"{settings.sandbox_url}/_sandbox/posts").json()["posts"]


def _fault(settings: Settings, mode: str | None) -> None:
    url = f"{settings.sandbox_url}/_sandbox/faults"
    if mode is None:
        httpx.delete(url).raise_for_status()
    else:
        httpx.post(url, json={"platform": "weibo", "mode": mode}).raise_for_status()


def _claim(ctx: ServiceContext) -> str:
    horizon = utcnow() + timedelta(minutes=2)
    claimed = ctx.store.claim_due_tasks(
        horizon=horizon, claim_batch_prefix="c", lease_until=horizon + timedelta(minutes=5)
    )
    assert claimed and {t.status for t in claimed} == {TaskStatus.CLAIMED}
    return "c:weibo"


def _publish_in_background(ctx: ServiceContext, batch: str) -> tuple[threading.Thread, list]:
    publisher = BatchPublisher(ctx.store, {"weibo": ctx.client("weibo")}, "run-1")
    outcomes: list[list[PublishOutcome]] = []
    thread = threading.Thread(target=lambda: outcomes.append(publisher.publish_batch(batch)))
    thread.start()
    return thread, outcomes


def _sleep_until(at: float) -> None:
    time.sleep(max(0.0, at - time.monotonic()))


@ON_BOTH_STORES
def test_a_claimed_task_cancelled_1s_before_its_time_never_goes_out(
    ctx: ServiceContext, account: Account, platform_env: Settings
) -> None:
    due_in = 2.0
    due = utcnow() + timedelta(seconds=due_in)
    cancel_at = time.monotonic() + due_in - 1.0
    drop = ctx.store.create_task(account, "cancelled one second before", due)
    keep = ctx.store.create_task(account, "goes out as planned", due)
    thread, outcomes = _publish_in_background(ctx, _claim(ctx))
    _sleep_until(cancel_at)
    assert ctx.store.get_task(drop.id).status is TaskStatus.CLAIMED  # its publisher waits
    cancelled = cancel_task(ctx, drop.id)
    assert utcnow() < due  # the cancel came before the due time, as the scenario says
    assert cancelled.status == "cancelled" and cancelled.claim_batch is None
    thread.join(timeout=30)
    assert [p["text"] for p in _posts(platform_env)] == ["goes out as planned"]
    assert ctx.store.get_task(drop.id).status is TaskStatus.CANCELLED
    assert ctx.store.get_task(keep.id).status is TaskStatus.PUBLISHED
    (skipped,) = [o for o in outcomes[0] if o.task_id == drop.id]
    assert skipped.status is TaskStatus.CANCELLED and skipped.sent_at is None


def test_a_claimed_task_moved_goes_back_to_the_schedule_at_its_new_time(
    ctx: ServiceContext, account: Account, platform_env: Settings
) -> None:
    due = utcnow() + timedelta(seconds=1.5)
    task = ctx.store.create_task(account, "moved while claimed", due)
    thread, _ = _publish_in_background(ctx, _claim(ctx))
    later = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    moved = reschedule_task(ctx, task.id, later)
    thread.join(timeout=30)
    after = ctx.store.get_task(task.id)
    assert after.status is TaskStatus.SCHEDULED and after.scheduled_at == later
    assert moved.scheduled_at == later and after.claim_batch is None
    assert _posts(platform_env) == []  # not sent at its old time
    assert ctx.store.attempts(task.id) == []


def _unknown_outcome(ctx: ServiceContext, account: Account, settings: Settings, mode: str) -> Task:
    """A task whose only attempt ended with an unknown outcome (the platform's fault `mode`)."""
    task = ctx.store.create_task(account, f"sent under {mode}", utcnow() + timedelta(seconds=0.3))
    _fault(settings, mode)
    try:
        BatchPublisher(ctx.store, {"weibo": ctx.client("weibo")}).publish_batch(_claim(ctx))
    finally:
        _fault(settings, None)
    failed = ctx.store.get_task(task.id)
    assert failed.status is TaskStatus.RETRYING
    assert ctx.store.attempts(task.id)[-1]["error_kind"] == "unknown_outcome"
    return failed


@ON_BOTH_STORES
def test_a_post_out_after_an_unknown_outcome_is_not_reported_cancelled(
    ctx: ServiceContext, account: Account, platform_env: Settings
) -> None:
    task = _unknown_outcome(ctx, account, platform_env, "accept_then_error")
    (live,) = _posts(platform_env)  # the platform took it, though it answered 500
    with pytest.raises(NotCancelledError, match="delete-post") as refused:
        cancel_task(ctx, task.id)
    assert refused.value.outcome == "published"
    assert refused.value.task.platform_post_id == live["platform_post_id"]
    after = ctx.store.get_task(task.id)
    assert after.status is TaskStatus.PUBLISHED
    assert after.platform_post_id == live["platform_post_id"]
    trail = ctx.store.audit_trail(task.id)
    assert "stays out" in (trail[-1]["detail"] or "")


def test_a_post_the_platform_never_got_is_cancelled_after_asking(
    ctx: ServiceContext, account: Account, platform_env: Settings
) -> None:
    task = _unknown_outcome(ctx, account, platform_env, "http_500")
    assert _posts(platform_env) == []
    cancelled = cancel_task(ctx, task.id)
    assert cancelled.status == "cancelled"
    assert "never went out" in (ctx.store.audit_trail(task.id)[-1]["detail"] or "")


def test_when_the_platform_cannot_tell_the_task_is_held_not_cancelled(
    ctx: ServiceContext, account: Account, platform_env: Settings
) -> None:
    task = _unknown_outcome(ctx, account, platform_env, "accept_then_error")
    unreachable = WeiboClient("http://127.0.0.1:9/weibo", timeout_seconds=1)
    result = cancel_in_domain(ctx.store, task.id, client_for=lambda _: unreachable)
    assert result.outcome == "held" and "not cancelled" in result.message
    held = ctx.store.get_task(task.id)
    assert held.status is TaskStatus.NEEDS_ATTENTION
    assert "cannot tell" in (held.last_error or "")
    # Asked again when the platform answers: it is out, and the task says so.
    with pytest.raises(NotCancelledError) as refused:
        cancel_task(ctx, task.id)
    assert refused.value.outcome == "published"
    assert ctx.store.get_task(task.id).status is TaskStatus.PUBLISHED


def test_a_move_of_a_post_that_went_out_is_refused_and_recorded(
    ctx: ServiceContext, account: Account, platform_env: Settings
) -> None:
    task = _unknown_outcome(ctx, account, platform_env, "accept_then_error")
    with pytest.raises(PostStillOutError, match="not moved"):
        reschedule_task(ctx, task.id, utcnow() + timedelta(hours=2))
    assert ctx.store.get_task(task.id).status is TaskStatus.PUBLISHED
    assert len(_posts(platform_env)) == 1


def test_a_task_being_sent_is_not_reported_cancelled(ctx: ServiceContext, account: Account) -> None:
    task = ctx.store.create_task(account, "on its way", utcnow() + timedelta(seconds=0.2))
    (claimed,) = [t for t in ctx.store.tasks_in_batch(_claim(ctx)) if t.id == task.id]
    ctx.store.begin_attempt(claimed, "run-1", lease_until=utcnow() + timedelta(minutes=1))
    with pytest.raises(NotCancelledError, match="send began") as refused:
        cancel_task(ctx, task.id)
    assert refused.value.outcome == "sending"
    assert ctx.store.get_task(task.id).status is TaskStatus.PUBLISHING


def test_a_cancelled_series_takes_its_claimed_occurrence_with_it(
    ctx: ServiceContext, account: Account, platform_env: Settings
) -> None:
    start = (utcnow() + timedelta(seconds=3)).isoformat()
    request = CreateSeriesRequest(
        account_id=account.id, content="每日问候", rrule="FREQ=DAILY;COUNT=2", start=start
    )
    made = create_series(ctx, request)
    batch = _claim(ctx)  # the first occurrence, due in three seconds
    cancel_series(ctx, made.id, Scope.ALL)
    BatchPublisher(ctx.store, {"weibo": ctx.client("weibo")}).publish_batch(batch)
    assert _posts(platform_env) == []
    statuses = {t.status for t in ctx.store.series_tasks([made.id], utcnow() - timedelta(days=1))}
    assert statuses == {TaskStatus.CANCELLED}
