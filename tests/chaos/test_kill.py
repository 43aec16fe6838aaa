"""kill -9 the publisher at random points of a 2,000-post batch, 20 times: each post goes out once.

Toutiao and Weibo have no idempotency key: a resend after a lost answer would be a second post
in the sandbox. Only asking the platform first (`find_published`) prevents it.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from scheduling_platform.store.schema import publish_attempts
from scheduling_platform.timeutil import utcnow
from tests.chaos.conftest import ChaosPlatform, scaled

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

KILLS = 20
TOUTIAO_POSTS, TOUTIAO_ACCOUNTS = scaled(1000), 20  # 50 an account: find_published sees 100
WEIBO_POSTS, WEIBO_ACCOUNTS = scaled(1000), 40  # 25 an account: under Weibo's 30 an hour
SPREAD_SECONDS = 60


def test_killed_publishers_leave_every_post_published_exactly_once(chaos: ChaosPlatform) -> None:
    rng = random.Random(20)
    chaos.sandbox("config", {"daily_quotas": {"toutiao": 100_000}})
    toutiao = chaos.add_accounts("toutiao", TOUTIAO_ACCOUNTS)
    weibo = chaos.add_accounts("weibo", WEIBO_ACCOUNTS)
    zygote = chaos.start_zygote("kill")
    start = utcnow() + timedelta(seconds=2)

    def plan(accounts: list, count: int) -> list:
        return [
            (accounts[n % len(accounts)], start + timedelta(seconds=SPREAD_SECONDS * n / count))
            for n in range(count)
        ]

    chaos.load_tasks("toutiao", plan(toutiao, TOUTIAO_POSTS))
    chaos.load_tasks("weibo", plan(weibo, WEIBO_POSTS))

    for n in range(KILLS):
        before = attempts_started(chaos)
        pid, name = zygote.spawn()
        zygote.wait_ready(name)
        if n % 4:
            # Mid-run: once this publisher has begun sending, anywhere in the next 2.5 s
            # (a request in flight, an answer not yet recorded, a post waiting for its time).
            wait_for_new_attempts(chaos, before, timeout=10)
            time.sleep(rng.uniform(0, 2.5))
        else:
            # Anywhere from start-up: claiming, the run starting, releasing expired leases.
            time.sleep(rng.uniform(0, 3))
        zygote.kill(pid)

    final = chaos.start_worker("final", until_done=True)
    chaos.wait_for(final, timeout=180, name="final")

    verdict = chaos.verdict()
    print(f"after {KILLS} kills: {dict(verdict.by_status)}, {verdict.posts} posts")
    verdict.assert_exactly_once()
    assert sum(verdict.by_status.values()) == TOUTIAO_POSTS + WEIBO_POSTS
    with chaos.store.engine.connect() as conn:
        abandoned = conn.execute(
            select(func.count())
            .select_from(publish_attempts)
            .where(publish_attempts.c.finished_at.is_(None))
        ).scalar_one()
    # The kills struck mid-attempt: those attempts were verified with the platform afterwards.
    print(f"{abandoned} attempts were cut off by a kill; outcomes: {attempt_outcomes(chaos)}")
    assert abandoned > 0


def attempts_started(chaos: ChaosPlatform) -> int:
    with chaos.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(publish_attempts)).scalar_one()


def wait_for_new_attempts(chaos: ChaosPlatform, before: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while attempts_started(chaos) == before and time.monotonic() < deadline:
        time.sleep(0.05)


def attempt_outcomes(chaos: ChaosPlatform) -> dict[str | None, int]:
    with chaos.store.engine.connect() as conn:
        outcome = publish_attempts.c.outcome
        query = select(outcome, func.count()).group_by(outcome)
        return dict(conn.execute(query).all())
