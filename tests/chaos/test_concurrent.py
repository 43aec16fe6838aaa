"""Four publisher processes on one Postgres over 20,000 due tasks: each post goes out once.

The four tick side by side: their claims (FOR UPDATE SKIP LOCKED) take disjoint tasks, each
claim bumps the lease version, and a run holding a stale claim can start nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from scheduling_platform.timeutil import utcnow
from tests.chaos.conftest import ChaosPlatform, scaled

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

PUBLISHERS = 4
TOUTIAO_POSTS, TOUTIAO_ACCOUNTS = scaled(10_000), 100  # 100 an account: find_published's reach
WEIBO_POSTS, WEIBO_ACCOUNTS = scaled(10_000), 400  # 25 an account: under Weibo's 30 an hour
SPREAD_SECONDS = 30


def test_four_publishers_share_20000_tasks_without_a_duplicate(chaos: ChaosPlatform) -> None:
    # A request may take the client's whole 10 s timeout on a loaded machine: a lease shorter
    # than that would let another publisher take a task whose post is still on its way.
    chaos.env["SCHEDULING_LEASE_SECONDS"] = "30"
    chaos.sandbox("config", {"daily_quotas": {"toutiao": 100_000}})
    plan = {
        "toutiao": (chaos.add_accounts("toutiao", TOUTIAO_ACCOUNTS), TOUTIAO_POSTS),
        "weibo": (chaos.add_accounts("weibo", WEIBO_ACCOUNTS), WEIBO_POSTS),
    }
    start = utcnow() + timedelta(seconds=8)  # the publishers take about 5 s to start
    for platform, (accounts, posts) in plan.items():
        chaos.load_tasks(
            platform,
            [
                (accounts[n % len(accounts)], start + timedelta(seconds=SPREAD_SECONDS * n / posts))
                for n in range(posts)
            ],
        )

    names = [f"publisher-{n}" for n in range(PUBLISHERS)]
    publishers = [chaos.start_worker(name, until_done=True) for name in names]
    for name, process in zip(names, publishers, strict=True):
        chaos.wait_for(process, timeout=600, name=name)

    verdict = chaos.verdict()
    shares = {name: published_by(chaos, name) for name in names}
    print(f"tasks {dict(verdict.by_status)}; posts {verdict.posts}; published by {shares}")
    verdict.assert_exactly_once(attention_allowed=False)
    assert verdict.by_status["published"] == TOUTIAO_POSTS + WEIBO_POSTS
    # Side by side, not one after the other: every publisher sent part of the work.
    assert all(shares.values()), shares


def published_by(chaos: ChaosPlatform, name: str) -> int:
    """Posts the runs of one publisher process reported as published (from its log)."""
    return sum(int(n) for n in re.findall(r"published=(\d+)", chaos.log_tail(name, 10**9)))
