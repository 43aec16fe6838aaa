"""The limits the checks apply, from the settings (gaps, quotas, the duplicate threshold)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from scheduling_platform.settings import DEFAULT_MIN_GAP_MINUTES, Settings

# PLATFORMS.md, Weibo statuses/upload_url_text: two consecutive identical posts are refused.
REFUSE_IDENTICAL_CONSECUTIVE = frozenset({"weibo"})
# Platform days begin at midnight in China, whatever the account's own zone (as the error
# policy's quota windows do); Asia/Shanghai has had no DST since 1991, so UTC+8 is exact.
QUOTA_DAY_OFFSET = timedelta(hours=8)
# How far the nearest free slot is looked for, before and after the asked time.
SLOT_SEARCH = timedelta(days=7)
# A suggested slot lies at least this far in the future (time to read the answer and confirm).
SLOT_LEAD = timedelta(minutes=1)


@dataclass(frozen=True)
class ConflictRules:
    min_gap_minutes: Mapping[str, int] = field(default_factory=dict)
    media_gap_minutes: int = 24 * 60
    hourly_quotas: Mapping[str, int] = field(default_factory=lambda: {"weibo": 30})
    daily_quotas: Mapping[str, int] = field(default_factory=lambda: {"weibo": 90})
    near_duplicate_threshold: float = 0.5
    duplicate_window_days: int = 90

    @classmethod
    def from_settings(cls, settings: Settings) -> ConflictRules:
        return cls(
            min_gap_minutes=dict(settings.min_gap_minutes),
            media_gap_minutes=settings.media_gap_minutes,
            hourly_quotas=dict(settings.hourly_quotas),
            daily_quotas=dict(settings.daily_quotas),
            near_duplicate_threshold=settings.near_duplicate_threshold,
            duplicate_window_days=settings.duplicate_window_days,
        )

    def gap(self, platform: str) -> timedelta:
        return timedelta(minutes=self.min_gap_minutes.get(platform, DEFAULT_MIN_GAP_MINUTES))

    @property
    def media_gap(self) -> timedelta:
        return timedelta(minutes=self.media_gap_minutes)

    @property
    def duplicate_window(self) -> timedelta:
        return timedelta(days=self.duplicate_window_days)

    def reach(self, platform: str) -> timedelta:
        """How far from a post the time-dependent checks look (a quota day included)."""
        return max(self.gap(platform), self.media_gap, timedelta(days=1))
