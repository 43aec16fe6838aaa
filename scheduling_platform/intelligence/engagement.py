"""Engagement of published posts: pulled through the platform clients into the warehouse."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from scheduling_platform.intelligence.features import (
    ENGAGEMENT_COLUMNS,
    METRIC_COLUMNS,
    text_counts,
)
from scheduling_platform.platforms.base import PlatformClient, PlatformError
from scheduling_platform.platforms.media import kind_of
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse
from scheduling_platform.timeutil import as_utc, utcnow

TABLE = "engagement_metrics"
FEATURES_TABLE = "training_features"


@dataclass
class Collection:
    """What one ingestion pass brought back, and what it could not."""

    rows: pd.DataFrame
    posts_asked: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # "platform/account id" -> message


def content_type_of(task: Task) -> str:
    """The model's content type: an article has a title; otherwise what its media are."""
    kinds = {kind_of(ref) for ref in task.media}
    if task.title:
        return "article"
    return "video" if "video" in kinds else "image" if "image" in kinds else "text"


def _row(task: Task, account: Account, metrics: dict[str, int]) -> dict:
    length, hashtags, links = text_counts(task.content)
    posted_at = as_utc(task.published_at or task.scheduled_at)
    return {
        "post_key": f"{task.platform}:{task.platform_post_id}",
        "source": "platform",
        "platform": task.platform,
        "account_key": f"account:{task.account_id}",
        "posted_at": posted_at,
        "timezone": account.timezone,
        "content_type": content_type_of(task),
        "text_length": length,
        "media_count": len(task.media),
        "hashtag_count": hashtags,
        "link_count": links,
        # Unknown sizes are NaN in the warehouse (an analyst sees they are unknown); the
        # features read them as DEFAULT_FOLLOWERS.
        "followers": float(account.followers) if account.followers is not None else None,
        "paid": 0,
        "category": -1,
        # A metric the platform does not report is 0 (metric_meaning.py), as in imports.
        **{k: int(metrics.get(k, 0)) for k in METRIC_COLUMNS},
        "collected_at": None,  # stamped when the whole pass is done
        "partition": posted_at.date().isoformat(),
    }


def one_task_per_post(published: list[Task]) -> list[Task]:
    """The first task of each platform post: a post counts once, whichever tasks name it.

    The store lets one task of an account hold a post; the same platform account added in two
    workspaces (two accounts here) could still name one post twice.
    """
    first: dict[tuple[str, str | None], Task] = {}
    for task in published:
        first.setdefault((task.platform, task.platform_post_id), task)
    return list(first.values())


def collect_engagement(
    store: TaskStore,
    client_for: Callable[[str], PlatformClient],
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    workspace_id: int | None = None,
) -> Collection:
    """Ask each platform for the metrics of posts published in [start, end), per account
    (of one workspace, or of all).

    One account's failure (expired token, platform down) is recorded and the others go on.
    """
    found = store.published_between(start, end)
    if workspace_id is not None:
        found = [t for t in found if t.workspace_id == workspace_id]
    found = one_task_per_post(found)
    accounts = store.accounts_by_id({t.account_id for t in found})
    collection = Collection(rows=pd.DataFrame(columns=list(ENGAGEMENT_COLUMNS)))
    collection.posts_asked = len(found)
    rows = []
    by_account: dict[int, list[Task]] = {}
    for task in found:
        by_account.setdefault(task.account_id, []).append(task)
    for account_id, posts in by_account.items():
        account = accounts[account_id]
        try:
            client = client_for(account.platform)
            metrics = client.fetch_metrics(
                account.credentials, [str(t.platform_post_id) for t in posts]
            )
        except (PlatformError, KeyError, AttributeError, NotImplementedError) as exc:
            collection.errors[f"{account.platform}/{account_id}"] = str(exc)
            continue
        for task in posts:
            if str(task.platform_post_id) in metrics:
                rows.append(_row(task, account, metrics[str(task.platform_post_id)]))
    if rows:
        frame = pd.DataFrame(rows, columns=list(ENGAGEMENT_COLUMNS))
        # Stamped after the platform calls, not before: the retrain sensor counts rows
        # collected after its last start, and a stamp older than the write could fall before
        # a start that happened while the platforms were being asked, and never be counted.
        frame["collected_at"] = now or utcnow()
        collection.rows = normalise(frame)
    return collection


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """The engagement schema's dtypes, whatever engine the rows came back from."""
    frame = frame[list(ENGAGEMENT_COLUMNS)].copy()
    for column in ("posted_at", "collected_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in (*METRIC_COLUMNS, "text_length", "media_count", "hashtag_count"):
        frame[column] = frame[column].astype("int64")
    for column in ("link_count", "paid", "category"):
        frame[column] = frame[column].astype("int64")
    frame["followers"] = frame["followers"].astype(float)
    for column in ("post_key", "source", "platform", "account_key", "timezone", "content_type"):
        frame[column] = frame[column].astype(str)
    frame["partition"] = frame["partition"].astype(str)
    return frame


def store_rows(warehouse: Warehouse, frame: pd.DataFrame) -> int:
    """Write rows, replacing earlier collections of the same posts (metrics only grow)."""
    if frame.empty:
        return 0
    frame = normalise(frame).drop_duplicates("post_key", keep="last")
    return warehouse.replace_rows(TABLE, frame, "post_key", frame["post_key"].tolist())


def store_chunks(warehouse: Warehouse, frames: Iterable[pd.DataFrame]) -> int:
    """`store_rows` for rows arriving in chunks (a large import), on one connection."""
    normalised = (normalise(f).drop_duplicates("post_key", keep="last") for f in frames)
    return warehouse.replace_rows_streamed(TABLE, normalised, "post_key")


def load_engagement(warehouse: Warehouse) -> pd.DataFrame:
    """Every engagement row in the warehouse (empty frame when there is none yet)."""
    if not warehouse.has_table(TABLE):
        return pd.DataFrame(columns=list(ENGAGEMENT_COLUMNS))
    return normalise(warehouse.query(f'SELECT * FROM "{TABLE}"'))


def rows_collected_since(warehouse: Warehouse, since: datetime | None) -> int:
    """How many engagement rows arrived after `since` (all rows when None)."""
    if not warehouse.has_table(TABLE):
        return 0
    where = f"WHERE collected_at > '{as_utc(since).isoformat()}'" if since else ""
    result = warehouse.query(f'SELECT count(*) AS n FROM "{TABLE}" {where}')
    return int(result["n"].iloc[0])
