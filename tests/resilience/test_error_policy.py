"""The error policy: each error kind's next status, backoff with jitter, budgets, windows."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import ErrorKind, PlatformError
from scheduling_platform.publishing.error_policy import ErrorPolicy, retry_delay
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Task

NOW = datetime(2026, 3, 10, 15, 20, 5, tzinfo=UTC)  # 23:20:05 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _task(platform: str = "weibo", attempts: int = 1) -> Task:
    return Task(
        id=7,
        account_id=1,
        platform=platform,
        title=None,
        content="x",
        scheduled_at=NOW,
        priority=5,
        status=TaskStatus.PUBLISHING,
        lease_version=1,
        claim_batch="b",
        lease_expires_at=None,
        attempt_count=attempts,
        platform_post_id=None,
        last_error=None,
        published_at=None,
        model_version=None,
        not_before=None,
        created_at=NOW,
        updated_at=NOW,
    )


def _policy(**kwargs: object) -> ErrorPolicy:
    return ErrorPolicy(rng=random.Random(1), **kwargs)


def test_unknown_outcome_goes_to_a_person_once_the_budget_is_spent() -> None:
    policy = _policy()
    status, _ = policy.decide(
        _task(attempts=policy.max_attempts), PlatformError(ErrorKind.UNKNOWN_OUTCOME, "m"), NOW
    )
    assert status is TaskStatus.NEEDS_ATTENTION


def test_each_kind_has_its_status() -> None:
    policy = _policy()
    cases = {
        # Tried again only after the platform says the post is not there (publishing.py).
        ErrorKind.UNKNOWN_OUTCOME: TaskStatus.RETRYING,
        ErrorKind.REJECTED: TaskStatus.FAILED,
        ErrorKind.RETRYABLE: TaskStatus.RETRYING,
        ErrorKind.AUTH: TaskStatus.RETRYING,
        ErrorKind.QUOTA: TaskStatus.RETRYING,
    }
    for kind, expected in cases.items():
        status, values = policy.decide(_task(), PlatformError(kind, "m"), NOW)
        assert status is expected, kind
        assert (values.get("not_before") is not None) == (status is TaskStatus.RETRYING), kind


def test_backoff_grows_with_jitter_inside_bounds() -> None:
    policy = _policy(jitter=0.2)
    for attempt, base in [(1, 30), (2, 60), (3, 120), (10, 1800), (30, 1800)]:
        delays = {policy.retry_delay(attempt).total_seconds() for _ in range(50)}
        assert all(0.8 * base <= d <= 1.2 * base for d in delays), (attempt, delays)
        assert len(delays) > 1, "jitter spreads retries"
    assert retry_delay(3) == timedelta(seconds=120)


def test_retry_budget_then_failed_and_shorter_for_unknown_codes(caplog) -> None:
    policy = _policy(max_attempts=5, unrecognised_max_attempts=2)
    known = PlatformError(ErrorKind.RETRYABLE, "busy", code="10023")
    assert policy.decide(_task(attempts=4), known, NOW)[0] is TaskStatus.RETRYING
    assert policy.decide(_task(attempts=5), known, NOW)[0] is TaskStatus.FAILED
    odd = PlatformError(ErrorKind.RETRYABLE, "系统繁忙 odd thing", code="99999", unrecognised=True)
    with caplog.at_level(logging.WARNING, logger="scheduling_platform.publishing.error_policy"):
        assert policy.decide(_task(attempts=1), odd, NOW)[0] is TaskStatus.RETRYING
        assert policy.decide(_task(attempts=2), odd, NOW)[0] is TaskStatus.FAILED
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2 and all("99999" in m and "系统繁忙 odd thing" in m for m in logged)


def test_quota_moves_to_the_next_window() -> None:
    policy = _policy(quota_spread_seconds=0)
    quota = PlatformError(ErrorKind.QUOTA, "spent")
    # Weibo's limit is hourly: the next full hour.
    _, values = policy.decide(_task("weibo", attempts=9), quota, NOW)
    assert values["not_before"] == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    # Daily quotas renew at 00:00 in China, which is 16:00 UTC the day before.
    _, values = policy.decide(_task("wechat", attempts=9), quota, NOW)
    assert values["not_before"].astimezone(SHANGHAI) == datetime(2026, 3, 11, tzinfo=SHANGHAI)
    after_midnight = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)  # 00:30 on the 11th in China
    _, values = policy.decide(_task("douyin"), quota, after_midnight)
    assert values["not_before"].astimezone(SHANGHAI) == datetime(2026, 3, 12, tzinfo=SHANGHAI)
    spread = _policy(quota_spread_seconds=120)
    _, values = spread.decide(_task("weibo"), quota, NOW)
    offset = (values["not_before"] - datetime(2026, 3, 10, 16, 0, tzinfo=UTC)).total_seconds()
    assert 0 <= offset <= 120


def test_quota_windows_come_from_settings_and_are_checked() -> None:
    settings = Settings(quota_windows={"weibo": "day", "douyin": "hour"})
    policy = ErrorPolicy.from_settings(settings)
    assert policy.quota_windows == {"weibo": "day", "douyin": "hour"}
    with pytest.raises(ValueError, match="quota window of douyin"):
        ErrorPolicy(quota_windows={"douyin": "week"})
