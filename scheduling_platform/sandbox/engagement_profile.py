"""The engagement profile: how much engagement a post earns by platform, time and content.

The sandbox answers metrics requests from it, and the model's done-when test simulates history
with it, so "the best posting time" has a known true answer.

Profile JSON (the shipped default is `sandbox/default_profile.json`):

- `timezone`: the zone the curves are read in (Asia/Shanghai: the audience's local time).
- `reference_followers`: the account size `base_reads` is quoted for.
- `platforms.<name>`: one entry per platform, with
  - `base_reads`: reads a saturated post of a reference account earns at curve value 1.0;
  - `hour_of_week`: 168 multipliers, Monday 00:00 to Sunday 23:00 local time; the value of
    hour h holds at h:30 and is linearly interpolated in between (curves are smooth);
  - `rates.likes|shares|comments`: the share of reads that like, share, comment;
  - `content_type.<type>`: multiplier per content type (text, image, video, article);
  - `length.optimum|tolerance|weight`: reads fall by up to `weight` as the text length moves
    away from `optimum` characters (a Gaussian in log length, width `tolerance`);
  - `media.per_item|max_items`: each attached media item adds `per_item`, up to `max_items`;
  - `follower_elasticity`: reads scale with (followers / reference_followers) ** elasticity;
  - `saturation_hours`: engagement grows as 1 - exp(-age / saturation_hours);
  - `noise.reads_sigma|rate_sigma`: log-normal noise on reads and on each rate, drawn from
    the post's seed so a post's numbers only grow with age and repeat exactly.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

DEFAULT_PROFILE_PATH = Path(__file__).parent / "default_profile.json"
METRICS = ("reads", "likes", "shares", "comments")
HOURS_PER_WEEK = 168


class ProfileError(ValueError):
    """A profile file or a request to it that cannot be used."""


@dataclass(frozen=True)
class PlatformProfile:
    """One platform's entry of the profile, validated."""

    base_reads: float
    hour_of_week: np.ndarray
    rates: dict[str, float]
    content_type: dict[str, float]
    length_optimum: float
    length_tolerance: float
    length_weight: float
    media_per_item: float
    media_max_items: int
    follower_elasticity: float
    saturation_hours: float
    reads_sigma: float
    rate_sigma: float

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> PlatformProfile:
        try:
            curve = np.asarray(data["hour_of_week"], dtype=float)
            profile = cls(
                base_reads=float(data["base_reads"]),
                hour_of_week=curve,
                rates={k: float(data["rates"][k]) for k in ("likes", "shares", "comments")},
                content_type={str(k): float(v) for k, v in data["content_type"].items()},
                length_optimum=float(data["length"]["optimum"]),
                length_tolerance=float(data["length"]["tolerance"]),
                length_weight=float(data["length"]["weight"]),
                media_per_item=float(data["media"]["per_item"]),
                media_max_items=int(data["media"]["max_items"]),
                follower_elasticity=float(data["follower_elasticity"]),
                saturation_hours=float(data["saturation_hours"]),
                reads_sigma=float(data["noise"]["reads_sigma"]),
                rate_sigma=float(data["noise"]["rate_sigma"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProfileError(f"profile of {name!r} is incomplete or malformed: {exc!r}") from exc
        if curve.shape != (HOURS_PER_WEEK,) or (curve <= 0).any():
            raise ProfileError(f"{name}.hour_of_week needs 168 positive values")
        if profile.saturation_hours <= 0 or profile.length_tolerance <= 0:
            raise ProfileError(f"{name}: saturation_hours and length.tolerance must be > 0")
        return profile


class EngagementProfile:
    """Expected engagement of a post; see the module docstring for the fields."""

    def __init__(self, data: dict[str, Any]) -> None:
        try:
            self.timezone = ZoneInfo(str(data.get("timezone", "Asia/Shanghai")))
            self.reference_followers = float(data.get("reference_followers", 10_000))
            platforms = data["platforms"]
        except (KeyError, ValueError, TypeError) as exc:
            raise ProfileError(f"profile is malformed: {exc!r}") from exc
        self.platforms = {
            name: PlatformProfile.from_json(name, entry) for name, entry in platforms.items()
        }

    def _platform(self, platform: str) -> PlatformProfile:
        if platform not in self.platforms:
            raise ProfileError(
                f"the profile has no platform {platform!r}; known: {sorted(self.platforms)}"
            )
        return self.platforms[platform]

    def curve_value(self, platform: str, local_hours_of_week: np.ndarray) -> np.ndarray:
        """The time curve at fractional local hours of the week (0 = Monday 00:00)."""
        curve = self._platform(platform).hour_of_week
        # Hour h's value holds at h:30; interpolate around the week (Sunday wraps to Monday).
        position = (np.asarray(local_hours_of_week, dtype=float) - 0.5) % HOURS_PER_WEEK
        low = np.floor(position).astype(int)
        frac = position - low
        return curve[low] * (1 - frac) + curve[(low + 1) % HOURS_PER_WEEK] * frac

    def local_hour_of_week(self, posted_at: datetime) -> float:
        if posted_at.tzinfo is None:
            raise ProfileError("posted_at needs a time zone")
        local = posted_at.astimezone(self.timezone)
        return local.weekday() * 24 + local.hour + local.minute / 60 + local.second / 3600

    def content_factor(
        self, platform: str, content_type: str, text_length: int, media_count: int
    ) -> float:
        p = self._platform(platform)
        if content_type not in p.content_type:
            raise ProfileError(
                f"unknown content type {content_type!r}; known: {sorted(p.content_type)}"
            )
        distance = (
            math.log1p(max(text_length, 0)) - math.log1p(p.length_optimum)
        ) / p.length_tolerance
        length = 1 - p.length_weight * (1 - math.exp(-0.5 * distance**2))
        media = 1 + p.media_per_item * min(max(media_count, 0), p.media_max_items)
        return p.content_type[content_type] * length * media

    def expected(
        self,
        platform: str,
        posted_at: datetime,
        *,
        content_type: str = "text",
        text_length: int = 0,
        media_count: int = 0,
        account_followers: int = 10_000,
        age_hours: float = 72.0,
        seed: int = 0,
    ) -> dict[str, int]:
        """reads, likes, shares and comments after `age_hours`; the same seed, the same noise."""
        p = self._platform(platform)
        hour = np.array([self.local_hour_of_week(posted_at)])
        time_factor = float(self.curve_value(platform, hour)[0])
        size = (max(account_followers, 1) / self.reference_followers) ** p.follower_elasticity
        growth = 1 - math.exp(-max(age_hours, 0.0) / p.saturation_hours)
        # The noise depends on the seed only, so a post's numbers grow monotonically with age.
        rng = np.random.default_rng(abs(int(seed)))
        noise = rng.lognormal(0.0, p.reads_sigma)
        rate_noise = rng.lognormal(0.0, p.rate_sigma, size=3)
        reads = (
            p.base_reads
            * time_factor
            * self.content_factor(platform, content_type, text_length, media_count)
            * size
            * noise
            * growth
        )
        result = {"reads": int(reads)}
        for noise_k, key in zip(rate_noise, ("likes", "shares", "comments"), strict=True):
            result[key] = int(reads * p.rates[key] * noise_k)
        return result

    def best_hour(self, platform: str) -> int:
        """The local hour of day (0-23) of the curve's peak over the week."""
        return int(np.argmax(self._platform(platform).hour_of_week)) % 24


def _bumps(peaks: list[tuple[float, float]], floor: float) -> np.ndarray:
    """24 hourly values: `floor` plus a Gaussian (2 h wide) of height h at each (hour, h)."""
    hours = np.arange(24) + 0.5
    curve = np.full(24, floor)
    for centre, height in peaks:
        distance = np.minimum(np.abs(hours - centre), 24 - np.abs(hours - centre))
        curve += height * np.exp(-0.5 * (distance / 2.0) ** 2)
    return curve


def generated_profile(seed: int = 1, *, weekend_shift_hours: float = 4.0) -> EngagementProfile:
    """A profile unlike the default: each platform's peaks drawn at random from `seed`, and its
    weekend peak `weekend_shift_hours` earlier (a platform whose Saturday peak is at 10:00
    while its weekdays peak at 14:00); everything but the curves is the default's."""
    rng = np.random.default_rng(seed)
    data = json.loads(DEFAULT_PROFILE_PATH.read_text(encoding="utf-8"))
    for entry in data["platforms"].values():
        main = float(rng.uniform(8, 22))
        second = (main + float(rng.uniform(6, 12))) % 24
        weekday = _bumps([(main, 1.0), (second, 0.45)], 0.1)
        weekend = _bumps([((main - weekend_shift_hours) % 24, 1.1), (second, 0.4)], 0.12)
        entry["hour_of_week"] = np.concatenate([*[weekday] * 5, weekend, weekend]).tolist()
    return EngagementProfile(data)


def load_profile(path: Path | None = None) -> EngagementProfile:
    """Read a profile file; None reads the shipped default."""
    source = Path(path) if path is not None else DEFAULT_PROFILE_PATH
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"cannot read profile {source}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ProfileError(f"profile {source} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"profile {source} must be a JSON object")
    return EngagementProfile(data)
