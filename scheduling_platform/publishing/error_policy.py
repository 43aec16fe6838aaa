"""Where a task goes after a platform error, and when it may be tried again.

- retryable (rate limit, 5xx before sending, timeout before sending): `retrying` after an
  exponential backoff with jitter, `failed` once the attempt budget is spent;
- a code the client does not know: logged with the platform's message, then treated as
  retryable on a shorter budget (it may well be permanent);
- auth: `tokens.py` already refreshed once and, failing that, marked the account
  `needs_reauth`; the task waits in `retrying`, held by the claim query until the account is
  re-authorised;
- rejected: `failed`, with the platform's own message on the task;
- quota: `retrying` from the platform's next window (next hour, or 00:00 Asia/Shanghai);
- unknown outcome (the post may be live): `retrying`, and the next attempt first asks the
  platform whether the post exists (publishing.py); `needs_attention` once the budget is spent.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import ErrorKind, PlatformError
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Task
from scheduling_platform.timeutil import zone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
UNRECOGNISED_MAX_ATTEMPTS = 3
QUOTA_WINDOWS = ("hour", "day")
# Platform days begin at midnight in China, whatever the account's own zone.
QUOTA_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class ErrorPolicy:
    max_attempts: int = MAX_ATTEMPTS
    unrecognised_max_attempts: int = UNRECOGNISED_MAX_ATTEMPTS
    base_delay_seconds: float = 30.0
    max_delay_seconds: float = 1800.0
    # Each delay is scaled by a factor in [1 - jitter, 1 + jitter], so tasks that failed
    # together (a platform outage) do not come back together.
    jitter: float = 0.2
    quota_windows: Mapping[str, str] = field(default_factory=lambda: {"weibo": "hour"})
    default_quota_window: str = "day"
    # Spread the tasks a quota held over the first minutes of the new window.
    quota_spread_seconds: float = 120.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        for platform, window in {**self.quota_windows, "*": self.default_quota_window}.items():
            if window not in QUOTA_WINDOWS:
                raise ValueError(
                    f"quota window of {platform} must be one of {QUOTA_WINDOWS}, not {window!r}"
                )
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    @classmethod
    def from_settings(cls, settings: Settings) -> ErrorPolicy:
        return cls(
            quota_windows=dict(settings.quota_windows),
            base_delay_seconds=settings.retry_base_seconds,
        )

    def retry_delay(self, attempt: int) -> timedelta:
        """Exponential backoff (30 s, 60 s, 120 s, ... capped at 30 min), with jitter."""
        delay = min(self.base_delay_seconds * 2 ** max(attempt - 1, 0), self.max_delay_seconds)
        return timedelta(seconds=delay * self.rng.uniform(1 - self.jitter, 1 + self.jitter))

    def next_quota_window(self, platform: str, now: datetime) -> datetime:
        """When a spent quota of `platform` renews: the next full hour, or next 00:00 in China."""
        local = now.astimezone(zone(QUOTA_ZONE))
        if self.quota_windows.get(platform, self.default_quota_window) == "hour":
            start = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        else:
            start = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        spread = timedelta(seconds=self.rng.uniform(0, self.quota_spread_seconds))
        return start.astimezone(now.tzinfo) + spread

    def decide(
        self, task: Task, exc: PlatformError, now: datetime
    ) -> tuple[TaskStatus, dict[str, Any]]:
        """The status after a failed attempt, and column values to set with it (`not_before`).

        `task` is the task as it was during the attempt (its `attempt_count` counts it).
        """
        if exc.kind is ErrorKind.UNKNOWN_OUTCOME:
            # The post may be live. It is tried again only after the platform says it is not
            # there (publishing.py verifies first); spent budget leaves it to a person.
            if task.attempt_count >= self.max_attempts:
                return TaskStatus.NEEDS_ATTENTION, {}
            return TaskStatus.RETRYING, {"not_before": now + self.retry_delay(1)}
        if exc.kind is ErrorKind.REJECTED:
            return TaskStatus.FAILED, {}
        if exc.kind is ErrorKind.QUOTA:
            return TaskStatus.RETRYING, {"not_before": self.next_quota_window(task.platform, now)}
        if exc.kind is ErrorKind.AUTH:
            # tokens.py marked the account: the claim query holds the task until it is
            # re-authorised, however many attempts it took. The delay only matters if that
            # happens within it.
            return TaskStatus.RETRYING, {"not_before": now + self.retry_delay(1)}
        budget = self.max_attempts
        if getattr(exc, "unrecognised", False):
            budget = self.unrecognised_max_attempts
            log.warning(
                "%s answered task %s with an unrecognised code %s: %s (attempt %d of %d)",
                task.platform,
                task.id,
                exc.code,
                exc.platform_message,
                task.attempt_count,
                budget,
            )
        if task.attempt_count >= budget:
            return TaskStatus.FAILED, {}
        return TaskStatus.RETRYING, {"not_before": now + self.retry_delay(task.attempt_count)}


def retry_delay(attempt: int) -> timedelta:
    """The backoff without jitter, for people and docs: 30 s, 60 s, ... capped at 30 minutes."""
    return ErrorPolicy(jitter=0.0).retry_delay(attempt)
