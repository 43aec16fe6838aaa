"""A burst: posts all due in the same second on the five platforms, under `scheduling-platform up`.

10,000 posts (1,000 with --quick) on 1,000 accounts (100), 200 (20) a platform, due at one
second, under `up` with its default settings: the sensor and the daemon's runs, one run a
platform. Each platform's first post is created through the service (with the title and media
the platform needs), the rest are copies of it stored at once. Printed: seconds from the due
second until the sandbox received the last post, lateness (receipt minus due) p50/p99/max,
duplicates (a text posted twice: must be 0), and tasks not sent.

Three rows: the send-rate limits raised out of the way (the sandbox's daily quotas too; target:
the last post out within 10 s); the defaults in force (the publisher's 50 requests a second
a platform, the sandbox's 100 posts an account a day), where the drain should follow the
limiter: no post refused for a quota it could have respected; and the limits raised again with
the claims made 30 s ahead instead of the default 15 s (`SCHEDULING_CLAIM_LOOKAHEAD_SECONDS`).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from dagster import DagsterInstance, RunsFilter
from dagster._core.instance.ref import InstanceRef
from sqlalchemy import insert, select

from benchmarks.bench_publish import percentile
from benchmarks.up_process import running_up, wait_until
from scheduling_platform.service.accounts import AddAccountRequest, add_account
from scheduling_platform.service.tasks import CreateTaskRequest, create_task
from scheduling_platform.service.workspaces import admin_context
from scheduling_platform.settings import Settings
from scheduling_platform.store.schema import tasks
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

PLATFORMS = ("weibo", "wechat", "douyin", "toutiao", "baijiahao")
TITLES = {"wechat": "公众号的标题", "toutiao": "头条号的标题", "baijiahao": "百家号的标题"}
HEADS = {
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
}
OUT = ("published", "submitted")
RAISED = {p: 100_000 for p in PLATFORMS}
TARGET_S = 10.0
LEAD_S = 40  # the due second is this far after the accounts exist
# The third row: the claims made this far ahead instead of the default, so that every
# platform's run has loaded the code before the due second.
LONGER_LOOKAHEAD_S = 30


def _accounts(settings: Settings, accounts: int) -> dict[str, list[int]]:
    """`accounts` accounts, as many on each platform."""
    ctx = admin_context(settings, "default", actor="bench")
    return {
        platform: [
            add_account(ctx, AddAccountRequest(platform=platform, name=f"{platform}-{i}")).id
            for i in range(accounts // len(PLATFORMS))
        ]
        for platform in PLATFORMS
    }


def _load(settings: Settings, posts: int, accounts: dict[str, list[int]], due: datetime) -> None:
    """`posts` tasks due at `due`, as many on each platform, round-robin over its accounts."""
    ctx = admin_context(settings, "default", actor="bench")
    media = {"mp4": settings.home / "clip.mp4", "jpg": settings.home / "cover.jpg"}
    for kind, path in media.items():
        path.write_bytes(HEADS[kind] + bytes(2048))
    attached = {"douyin": [str(media["mp4"])], "wechat": [str(media["jpg"])]}
    store = TaskStore.from_settings(settings)
    for platform, ids in accounts.items():
        first = create_task(
            ctx,
            CreateTaskRequest(
                account_id=ids[0],
                content=f"burst {platform} 0",
                at=due.isoformat(),
                title=TITLES.get(platform),
                media=attached.get(platform, []),
            ),
        )
        with store.engine.begin() as conn:
            template = conn.execute(select(tasks).where(tasks.c.id == first.id)).one()._asdict()
            template.pop("id")
            conn.execute(
                insert(tasks),
                [
                    {
                        **template,
                        "account_id": ids[n % len(ids)],
                        "content": f"burst {platform} {n}",
                    }
                    for n in range(1, posts // len(PLATFORMS))
                ],
            )
    store.engine.dispose()


def _run_starts(dagster_home: Path, due: datetime) -> list[float]:
    """Seconds after `due` at which each publish run of `up`'s instance began executing."""
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        records = instance.get_run_records(RunsFilter(job_name="publish_job"))
    return sorted(round(r.start_time - due.timestamp(), 1) for r in records if r.start_time)


def _burst(
    posts: int, accounts: int, raised: bool, lookahead_s: int | None = None
) -> dict[str, object]:
    extra = {"SCHEDULING_PLATFORM_RATE_PER_SECOND": json.dumps(RAISED)} if raised else {}
    if lookahead_s is not None:
        extra["SCHEDULING_CLAIM_LOOKAHEAD_SECONDS"] = str(lookahead_s)
    with running_up("bench-burst-", extra) as up:
        if raised:
            quotas = {"daily_quotas": {p: 1_000_000 for p in PLATFORMS if p != "weibo"}}
            httpx.post(f"{up.sandbox_url}/_sandbox/config", json=quotas).raise_for_status()
        settings = Settings(_env_file=None, home=up.folder / "home", sandbox_url=up.sandbox_url)
        ids = _accounts(settings, accounts)
        due = (utcnow() + timedelta(seconds=LEAD_S)).replace(microsecond=0)
        started = time.monotonic()
        _load(settings, posts, ids, due)
        loaded_s = time.monotonic() - started
        store = TaskStore.from_settings(settings)

        def settled() -> bool:
            counts = store.count_by_status()
            return (
                sum(counts.get(s, 0) for s in ("scheduled", "claimed", "publishing", "retrying"))
                == 0
            )

        wait_until(settled, LEAD_S + 600, "the burst")
        counts = store.count_by_status()
        run_starts = _run_starts(up.folder / "home" / "dagster", due)
        answer = httpx.get(f"{up.sandbox_url}/_sandbox/posts", timeout=120).json()["posts"]
        store.engine.dispose()
    texts = Counter(p["text"] for p in answer)
    last_out = {
        platform: round(
            max(datetime.fromisoformat(p["received_at"]) - due for p in mine).total_seconds(), 1
        )
        for platform in PLATFORMS
        if (mine := [p for p in answer if p["platform"] == platform])
    }
    received = [datetime.fromisoformat(p["received_at"]) for p in answer]
    lateness = sorted((at - due).total_seconds() for at in received)
    return {
        "limits": "raised" if raised else "defaults",
        "lookahead_s": lookahead_s or Settings(_env_file=None).claim_lookahead_seconds,
        "posts": posts,
        "accounts": accounts,
        "load_s": round(loaded_s, 1),
        "received": len(answer),
        "duplicates": sum(n - 1 for n in texts.values() if n > 1),
        "last_out_s": round(lateness[-1], 2) if lateness else "-",
        "lateness_p50_s": round(statistics.median(lateness), 2) if lateness else "-",
        "lateness_p99_s": round(percentile(lateness, 0.99), 2) if lateness else "-",
        "last_out_by_platform_s": last_out,
        # When each publish run began executing, after the due second (one a platform a tick).
        "runs": len(run_starts),
        "run_start_s_min_max": (min(run_starts), max(run_starts)) if run_starts else "-",
        "not_sent": {s: n for s, n in counts.items() if s not in OUT},
        "target": f"last out <= {TARGET_S:.0f} s" if raised else "drain follows the limiter",
    }


def run(quick: bool = False) -> list[dict[str, object]]:
    posts, accounts = (1_000, 100) if quick else (10_000, 1_000)
    return [
        _burst(posts, accounts, raised=True),
        _burst(posts, accounts, raised=False),
        _burst(posts, accounts, raised=True, lookahead_s=LONGER_LOOKAHEAD_S),
    ]
