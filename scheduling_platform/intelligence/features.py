"""Training features: what is known before a post goes out, from its time, content and account.

`FEATURES` documents every feature (name -> group, meaning); `docs/intelligence.md` lists them.
The same `feature_frame` builds training rows and the 2,016 candidate slots of a task, so the
model scores slots exactly as it was trained.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.calendar import calendar_features
from scheduling_platform.platforms.base import PLATFORMS

# Columns of the warehouse table `engagement_metrics` (one row per post and collection).
ENGAGEMENT_COLUMNS = (
    "post_key",  # platform:post id, or import:<source>:<row>; unique per post
    "source",  # "platform" (pulled from an API) or "import:<mapping name>"
    "platform",
    "account_key",  # "account:<id>" for the store's accounts, "import:<source>" otherwise
    "posted_at",  # UTC
    "timezone",  # the account's zone: the audience's local time
    "content_type",  # text | image | video | article
    "text_length",
    "media_count",
    "hashtag_count",
    "link_count",
    "followers",
    "paid",  # 1 when the post was promoted
    "category",  # a source-specific content category, -1 when none
    "reads",
    "likes",
    "shares",
    "comments",
    "collected_at",  # UTC
    "partition",  # the daily partition (posting day, UTC) the row belongs to
)
METRIC_COLUMNS = ("reads", "likes", "shares", "comments")
CONTENT_TYPES = ("text", "image", "video", "article")
PLATFORM_CODES = (*PLATFORMS, "other")
DEFAULT_FOLLOWERS = 10_000
HISTORY_WINDOW = 20  # the account's last posts its "recent median" is taken over

FEATURES: dict[str, tuple[str, str]] = {
    "tod_sin": ("time", "sine of the local time of day (minute precision, 24 h period)"),
    "tod_cos": ("time", "cosine of the local time of day"),
    "hour_of_day": ("time", "local hour 0-23 (trees split on it directly)"),
    "minute_of_hour": ("time", "local minute 0-59"),
    "weekday": ("time", "local weekday, 0 = Monday"),
    "week_sin": ("time", "sine of the local hour of the week (168 h period)"),
    "week_cos": ("time", "cosine of the local hour of the week"),
    "month": ("time", "local month 1-12 (seasonality)"),
    "is_public_holiday": ("time", "a Chinese public day off (published, or computed after)"),
    "is_adjusted_workday": ("time", "a weekend day made a working day (调休)"),
    "is_day_off": ("time", "holiday, or weekend that is not an adjusted working day"),
    "days_to_next_holiday": ("time", "days until the next statutory holiday, capped at 60"),
    "adjustments_known": ("time", "1 when the year's adjusted working days are published"),
    "content_type_code": ("content", "0 text, 1 image, 2 video, 3 article"),
    "log_text_length": ("content", "log1p of the text length in characters"),
    "media_items": ("content", "attached images or videos"),
    "hashtags": ("content", "#topics# / #tags in the text"),
    "links": ("content", "URLs in the text"),
    "is_paid": ("content", "1 when the post was promoted"),
    "category_code": ("content", "source-specific content category, -1 when none"),
    "log_followers": ("account", "log1p of the account's followers"),
    "account_recent_median": ("account", "log1p median engagement of its last 20 posts, -1 none"),
    "account_history_posts": ("account", "how many earlier posts the account has (capped 50)"),
    "platform_code": (
        "platform",
        "index of the platform in weibo, wechat, douyin, toutiao, baijiahao",
    ),
}
FEATURE_NAMES = tuple(FEATURES)
HOUR_OF_DAY = FEATURE_NAMES.index("hour_of_day")  # its column in `feature_matrix`
GROUPS = ("time", "content", "account", "platform")

_HASHTAG = re.compile(r"#[^#\s]{1,40}#|(?<![#\w])#\w+")
_LINK = re.compile(r"https?://\S+")


def text_counts(text: str) -> tuple[int, int, int]:
    """(length, hashtags, links) of a post's text."""
    return len(text), len(_HASHTAG.findall(text)), len(_LINK.findall(text))


def engagement_total(frame: pd.DataFrame) -> pd.Series:
    """The training target: reads + likes + shares + comments."""
    return frame[list(METRIC_COLUMNS)].fillna(0).sum(axis=1).astype(float)


def time_features(posted_at: pd.Series, timezones: pd.Series) -> pd.DataFrame:
    """Local-time features of UTC times, each read in its row's zone."""
    return pd.DataFrame(_time_columns(posted_at, timezones), index=posted_at.index)


def _time_columns(posted_at: pd.Series, timezones: pd.Series) -> dict[str, np.ndarray]:
    # On arrays, zone by zone: a slot search scores a few thousand rows per request, where
    # pandas' per-column overhead would cost more than the model itself.
    utc = pd.DatetimeIndex(pd.to_datetime(posted_at, utc=True))
    codes, zone_names = pd.factorize(np.asarray(timezones))
    size = len(utc)
    hour, minute = np.zeros(size, np.int64), np.zeros(size, np.int64)
    weekday, month = np.zeros(size, np.int64), np.zeros(size, np.int64)
    dates = np.zeros(size, dtype="datetime64[ns]")
    for code, zone_name in enumerate(zone_names):
        rows = np.flatnonzero(codes == code)
        local = utc[rows].tz_convert(str(zone_name))
        hour[rows], minute[rows] = local.hour, local.minute
        weekday[rows], month[rows] = local.dayofweek, local.month
        dates[rows] = local.tz_localize(None).normalize().to_numpy()
    minutes = hour * 60 + minute
    week_hours = weekday * 24 + minutes / 60
    holidays = calendar_features(dates)
    return {
        "tod_sin": np.sin(2 * np.pi * minutes / 1440),
        "tod_cos": np.cos(2 * np.pi * minutes / 1440),
        "hour_of_day": hour,
        "minute_of_hour": minute,
        "weekday": weekday,
        "week_sin": np.sin(2 * np.pi * week_hours / 168),
        "week_cos": np.cos(2 * np.pi * week_hours / 168),
        "month": month,
        **{name: holidays[name].to_numpy() for name in holidays.columns},
    }


def account_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Per row: log1p median engagement of the account's previous posts, and their count.

    Only earlier posts count, so a row never sees its own or a later outcome.
    """
    ordered = frame.assign(_total=engagement_total(frame)).sort_values(["posted_at", "post_key"])
    grouped = ordered.groupby("account_key", sort=False)["_total"]
    median = grouped.transform(lambda s: s.shift(1).rolling(HISTORY_WINDOW, min_periods=1).median())
    count = grouped.cumcount()
    return pd.DataFrame(
        {
            "account_recent_median": np.log1p(median).fillna(-1.0),
            "account_history_posts": np.minimum(count, 50),
        }
    ).loc[frame.index]


def _coded(values: pd.Series | np.ndarray, names: tuple[str, ...], unknown: float) -> np.ndarray:
    """Each value's index in `names` (`unknown` when absent), by its distinct values: a
    `map` over the rows costs a Python call a row on Arrow strings."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    table = np.array([names.index(v) if v in names else unknown for v in distinct], dtype=float)
    return table[codes]


def feature_frame(frame: pd.DataFrame, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The model's inputs for rows of the engagement schema, in `FEATURE_NAMES` order.

    `history` gives account_recent_median/account_history_posts when the rows are candidates
    (not posts with outcomes); otherwise they come from the rows' own earlier posts.
    """
    if frame.empty:
        return pd.DataFrame(columns=list(FEATURE_NAMES), dtype=float)
    history = account_history(frame) if history is None else history
    matrix = feature_matrix(frame, history)
    return pd.DataFrame(matrix, columns=list(FEATURE_NAMES), index=frame.index)


def feature_matrix(columns: Any, history: Any) -> np.ndarray:
    """`feature_frame`'s values as one float matrix, from the engagement schema's columns and
    the two history columns, each given as a frame or as a mapping of equal-length arrays.

    Candidate slots come as arrays: a slot search scores a few thousand rows a request, and
    building a frame of them (string columns above all) cost more than the model's call."""
    content_types = np.asarray(columns["content_type"], dtype=object)
    unknown = set(pd.unique(content_types)) - set(CONTENT_TYPES)
    if unknown:
        raise ValueError(f"unknown content types {sorted(unknown)}; use {CONTENT_TYPES}")
    values = _time_columns(columns["posted_at"], columns["timezone"])
    followers = _floats(columns["followers"])
    values |= {
        "content_type_code": _coded(content_types, CONTENT_TYPES, np.nan),
        "log_text_length": np.log1p(_floats(columns["text_length"])),
        "media_items": _floats(columns["media_count"]),
        "hashtags": _floats(columns["hashtag_count"]),
        "links": _floats(columns["link_count"]),
        "is_paid": _floats(columns["paid"]),
        "category_code": _floats(columns["category"]),
        "log_followers": np.log1p(np.nan_to_num(followers, nan=DEFAULT_FOLLOWERS).clip(min=0)),
        "account_recent_median": _floats(history["account_recent_median"]),
        "account_history_posts": _floats(history["account_history_posts"]),
        "platform_code": _coded(
            np.asarray(columns["platform"], dtype=object), PLATFORM_CODES, len(PLATFORM_CODES) - 1
        ),
    }
    # One float block in FEATURE_NAMES order, built once (not a concat of frames).
    return np.column_stack([np.asarray(values[name], dtype=float) for name in FEATURE_NAMES])


def _floats(values: Any) -> np.ndarray:
    """A column as floats, a missing value (a nullable column's NA) as NaN."""
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)
