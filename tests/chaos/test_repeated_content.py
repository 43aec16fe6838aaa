"""Repeated texts and titles under timeouts and accept-then-error: each task gets its own post.

Every account first publishes four "Daily market report" articles cleanly. Then, under faults
that leave outcomes unknown, each account publishes four more with the same title: two repeat
an earlier article's text word for word, two have new text. Verification after each unknown
outcome must take the attempt's own post, never the earlier article it repeats (held by its
task) or a sibling's: every task ends with its own post, every sandbox post belongs to exactly
one task, and a task held for a person has at most one unrecorded post of its own text.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from datetime import timedelta

import httpx
import pytest

from benchmarks.publish_worker import unfinished
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.publishing.error_policy import MAX_ATTEMPTS
from scheduling_platform.timeutil import utcnow
from tests.chaos.conftest import ChaosPlatform

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

ACCOUNTS, EACH = 8, 4
TITLE = "Daily market report"
CLIENT_TIMEOUT_SECONDS = 1.0
FAULTS = [
    # Hangs past the client's timeout: the request was sent, the answer never came.
    {"platform": "toutiao", "mode": "timeout", "rate": 0.15, "delay_seconds": 1.5, "seed": 9},
    # Accepted and recorded, then HTTP 500: the post is live, the publisher does not know.
    {"platform": "toutiao", "mode": "accept_then_error", "rate": 0.3},
]


def _earlier(account: int, k: int) -> str:
    return f"Desk {account}: report {k} of the day."


def _later(account: int, k: int) -> str:
    # Two repeat an earlier text word for word, two are new under the same title.
    return _earlier(account, k) if k < 2 else f"Desk {account}: update {k}, markets moved."


def _load(chaos: ChaosPlatform, accounts: list, text) -> None:
    start = utcnow() + timedelta(seconds=1)
    for n, account in enumerate(accounts):
        for k in range(EACH):
            due = start + timedelta(seconds=(n * EACH + k) / 20)
            chaos.store.create_task(account, text(n, k), due, title=TITLE)


def _wait_settled(chaos: ChaosPlatform, publisher: subprocess.Popen[str], timeout: float) -> None:
    """Until no task is left to publish (the publisher keeps running)."""
    deadline = time.monotonic() + timeout
    while unfinished(chaos.store):
        assert publisher.poll() is None, chaos.log_tail("publisher")
        if time.monotonic() > deadline:
            pytest.fail(f"not done in {timeout:.0f} s: {chaos.store.count_by_status()}")
        time.sleep(0.3)


def test_repeated_titles_and_texts_get_their_own_posts(chaos: ChaosPlatform) -> None:
    chaos.env["SCHEDULING_TOUTIAO_TIMEOUT_SECONDS"] = str(CLIENT_TIMEOUT_SECONDS)
    chaos.env["SCHEDULING_LEASE_SECONDS"] = "10"
    accounts = chaos.add_accounts("toutiao", ACCOUNTS)
    _load(chaos, accounts, _earlier)
    # One publisher for both rounds: a process start costs seconds of imports.
    publisher = chaos.start_worker("publisher")
    _wait_settled(chaos, publisher, timeout=90)
    earlier = {t.id for t in chaos.all_tasks()}
    assert {t.status for t in chaos.all_tasks()} == {TaskStatus.PUBLISHED}

    for fault in FAULTS:
        chaos.sandbox("faults", fault)
    _load(chaos, accounts, _later)
    _wait_settled(chaos, publisher, timeout=120)
    publisher.kill()  # idle between ticks: nothing is cut off
    publisher.wait(10)

    fired = httpx.get(f"{chaos.sandbox_url}/_sandbox/faults").json()["fired"]
    outcomes = chaos.attempt_outcomes()
    tasks = chaos.all_tasks()
    posts = {p["platform_post_id"]: p for p in chaos.posts()}
    print(f"faults fired {fired}; tasks {Counter(str(t.status) for t in tasks)}; {outcomes}")
    assert {k.split(":")[1] for k in fired} == {"timeout", "accept_then_error"}
    assert outcomes.get("found_published", 0) > 0  # unknowns whose post was there: found

    names = {a.id: a.name for a in accounts}
    holders = Counter(t.platform_post_id for t in tasks if t.platform_post_id)
    assert [p for p, n in holders.items() if n > 1] == []  # no post held twice
    for task in tasks:
        if task.status is TaskStatus.PUBLISHED:
            post = posts[task.platform_post_id or ""]  # its post is on the platform
            assert (post["account"], post["title"], post["text"]) == (
                names[task.account_id],
                task.title,
                f"<p>{task.content}</p>",
            ), f"task {task.id} holds another task's post"
        else:
            assert task.id not in earlier
            assert task.status is TaskStatus.NEEDS_ATTENTION, (task.id, task.status)
            assert task.attempt_count == MAX_ATTEMPTS and task.last_error
    # Every post is one task's: held by it, or unrecorded and of a task held for a person.
    unheld = Counter((p["account"], p["text"]) for pid, p in posts.items() if pid not in holders)
    waiting = Counter(
        (names[t.account_id], f"<p>{t.content}</p>")
        for t in tasks
        if t.status is TaskStatus.NEEDS_ATTENTION
    )
    assert unheld - waiting == Counter(), "a post no task asked for, or one sent twice"
    assert len(posts) <= len(tasks)
