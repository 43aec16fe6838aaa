"""The engagement profile: deterministic, growing with age, peaking at each platform's hour."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduling_platform.sandbox.engagement_profile import ProfileError, load_profile

PLATFORMS = ("weibo", "wechat", "douyin", "toutiao", "baijiahao")
MONDAY = datetime(2025, 3, 3, tzinfo=UTC)  # 08:00 in Shanghai


def test_default_profile_has_distinct_realistic_best_hours() -> None:
    profile = load_profile()
    hours = {p: profile.best_hour(p) for p in PLATFORMS}
    assert hours == {"weibo": 22, "wechat": 7, "douyin": 19, "toutiao": 12, "baijiahao": 10}


def test_expected_is_deterministic_and_saturates() -> None:
    profile = load_profile()
    args = dict(content_type="image", text_length=80, media_count=2, seed=42)
    first = profile.expected("weibo", MONDAY, age_hours=24, **args)
    assert first == profile.expected("weibo", MONDAY, age_hours=24, **args)
    assert set(first) == {"reads", "likes", "shares", "comments"}
    young = profile.expected("weibo", MONDAY, age_hours=1, **args)["reads"]
    day3 = profile.expected("weibo", MONDAY, age_hours=72, **args)["reads"]
    week = profile.expected("weibo", MONDAY, age_hours=168, **args)["reads"]
    assert young < first["reads"] < day3
    assert week - day3 < 0.01 * week  # saturated after a few days
    assert profile.expected("weibo", MONDAY, age_hours=24, **{**args, "seed": 7}) != first


def test_peak_hour_earns_more_than_night() -> None:
    profile = load_profile()
    # 22:00 Shanghai is 14:00 UTC; 04:00 Shanghai is 20:00 UTC the day before.
    evening = profile.expected("weibo", MONDAY.replace(hour=14, minute=30), seed=1)
    night_at = MONDAY.replace(hour=20, minute=30) - timedelta(days=1)
    night = profile.expected("weibo", night_at, seed=1)
    assert evening["reads"] > 5 * night["reads"]


def test_bad_requests_and_files_are_refused(tmp_path: Path) -> None:
    profile = load_profile()
    with pytest.raises(ProfileError, match="no platform"):
        profile.expected("myspace", MONDAY)
    with pytest.raises(ProfileError, match="content type"):
        profile.expected("weibo", MONDAY, content_type="hologram")
    with pytest.raises(ProfileError, match="time zone"):
        profile.expected("weibo", MONDAY.replace(tzinfo=None))
    profile_path = tmp_path / "p.json"
    profile_path.write_text(json.dumps({"platforms": {"weibo": {"base_reads": 1}}}))
    with pytest.raises(ProfileError, match="weibo"):
        load_profile(profile_path)
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.json")
