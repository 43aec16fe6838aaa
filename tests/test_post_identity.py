"""A task recorded as published holds its own post: never an earlier task's with the same title.

Through the CLI's `tick` (the sensor and the publish job, in process) against the sandbox on
loopback, with the sandbox's faults hiding whether a publish went out.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from scheduling_platform.accounts.registration import sandbox_credentials
from scheduling_platform.cli.main import main
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import Post
from scheduling_platform.platforms.toutiao import ToutiaoClient
from scheduling_platform.publishing.error_policy import ErrorPolicy
from scheduling_platform.publishing.publisher import BatchPublisher
from scheduling_platform.sandbox.state import SandboxState
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Task
from scheduling_platform.store.schema import tasks
from scheduling_platform.store.task_store import PostHeldError, TaskStore
from scheduling_platform.timeutil import utcnow

TITLE = "Daily market report"
CLIENT_TIMEOUT = 0.5


@pytest.fixture
def cli(platform_env: Settings, monkeypatch: pytest.MonkeyPatch):
    # Short client timeouts and retries keep the test in seconds; no gap between posts so a
    # second report may follow the first at once.
    monkeypatch.setenv("SCHEDULING_TOUTIAO_TIMEOUT_SECONDS", str(CLIENT_TIMEOUT))
    monkeypatch.setenv("SCHEDULING_RETRY_BASE_SECONDS", "0.2")
    monkeypatch.setenv("SCHEDULING_MIN_GAP_MINUTES", json.dumps({"toutiao": 0}))
    runner = CliRunner()

    def invoke(*args: str) -> dict:
        result = runner.invoke(main, [*args, "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return invoke


def _report(cli, content: str) -> int:
    at = (utcnow() + timedelta(seconds=1)).isoformat()
    created = cli("tasks", "create", "--account", "1", "--title", TITLE, "--content", content,
                  "--at", at)  # fmt: skip
    return int(created["id"])


def _tick_until_settled(cli, task_id: int, seconds: float = 30) -> dict:
    """Tick until the task has left `scheduled`/`retrying`; its view."""
    deadline = time.monotonic() + seconds
    while True:
        cli("tick")
        shown = cli("tasks", "show", str(task_id))
        if shown["status"] not in ("scheduled", "claimed", "retrying", "publishing"):
            return shown
        assert time.monotonic() < deadline, shown
        time.sleep(0.2)


def _sandbox(sandbox_url: str, method: str, path: str, **kw: object) -> dict:
    response = httpx.request(method, f"{sandbox_url}/_sandbox/{path}", **kw)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response.json()


def test_same_title_after_a_timeout_is_sent_not_taken_from_the_earlier_post(
    cli, sandbox_url: str, platform_env: Settings
) -> None:
    cli("accounts", "add", "--platform", "toutiao", "--name", "desk")
    first = _report(cli, "Shares rose on Monday.")
    assert _tick_until_settled(cli, first)["status"] == "published"

    # The second report's publish request hangs past the client's timeout: outcome unknown.
    _sandbox(sandbox_url, "POST", "faults",
             json={"platform": "toutiao", "mode": "timeout", "delay_seconds": 1.0})  # fmt: skip
    second = _report(cli, "Shares fell on Tuesday.")
    cli("tick")  # claims it, waits for its time, sends; the answer never comes
    assert cli("tasks", "show", str(second))["status"] == "retrying"
    _sandbox(sandbox_url, "DELETE", "faults")

    shown = _tick_until_settled(cli, second)
    posts = _sandbox(sandbox_url, "GET", "posts")["posts"]
    texts = sorted(p["text"] for p in posts)
    assert texts == ["<p>Shares fell on Tuesday.</p>", "<p>Shares rose on Monday.</p>"]
    held = {cli("tasks", "show", str(t))["platform_post_id"] for t in (first, second)}
    assert held == {p["platform_post_id"] for p in posts}
    assert shown["status"] == "published"
    store = TaskStore.from_settings(platform_env)
    by_id = {p["platform_post_id"]: p["text"] for p in posts}
    assert by_id[store.get_task(second).platform_post_id or ""] == "<p>Shares fell on Tuesday.</p>"


# ---------------------------------------------------------------- the publisher, one batch


def _toutiao(store: TaskStore, sandbox_url: str, name: str = "desk"):
    credentials = sandbox_credentials("toutiao", name, Settings(sandbox_url=sandbox_url))
    return store.add_account("toutiao", name, "Asia/Shanghai", credentials)


def _publish_due(
    store: TaskStore,
    sandbox_url: str,
    policy: ErrorPolicy | None = None,
    clock_skew: timedelta = timedelta(seconds=120),
) -> None:
    """Claim what is due (waiting out backoffs) and publish it with a short client timeout."""
    horizon = utcnow() + timedelta(seconds=2)
    lease = horizon + timedelta(minutes=5)
    prefix = f"t{time.monotonic_ns()}"
    claimed = store.claim_due_tasks(horizon=horizon, claim_batch_prefix=prefix, lease_until=lease)
    if not claimed:
        return
    client = ToutiaoClient(
        f"{sandbox_url}/toutiao", timeout_seconds=CLIENT_TIMEOUT, client_key="sandbox-app"
    )
    policy = policy or ErrorPolicy(base_delay_seconds=0.05)
    publisher = BatchPublisher(
        store, {"toutiao": client}, error_policy=policy, clock_skew=clock_skew
    )
    publisher.publish_batch(claimed[0].claim_batch or "")


def _fault(sandbox_url: str, **body: object) -> None:
    _sandbox(sandbox_url, "POST", "faults", json={"platform": "toutiao", **body})


def test_accepted_then_failed_repeat_takes_its_own_post(store: TaskStore, sandbox_url: str):
    account = _toutiao(store, sandbox_url)
    first = store.create_task(
        account, "Shares rose.", utcnow() + timedelta(seconds=0.3), title=TITLE
    )
    _publish_due(store, sandbox_url)
    _fault(sandbox_url, mode="accept_then_error")
    second = store.create_task(
        account, "Shares fell.", utcnow() + timedelta(seconds=0.3), title=TITLE
    )
    _publish_due(store, sandbox_url)
    assert store.get_task(second.id).status is TaskStatus.RETRYING
    _sandbox(sandbox_url, "DELETE", "faults")
    time.sleep(0.2)
    _publish_due(store, sandbox_url)
    posts = {
        p["platform_post_id"]: p["text"] for p in _sandbox(sandbox_url, "GET", "posts")["posts"]
    }
    assert len(posts) == 2  # found, not sent again
    assert posts[store.get_task(first.id).platform_post_id or ""] == "<p>Shares rose.</p>"
    assert posts[store.get_task(second.id).platform_post_id or ""] == "<p>Shares fell.</p>"
    (found,) = [a for a in store.attempts(second.id) if a["outcome"] == "found_published"]
    assert found["platform_post_id"] == store.get_task(second.id).platform_post_id


@pytest.mark.parametrize("same_text", [False, True], ids=["own-text", "same-text"])
def test_alike_unknowns_get_their_own_post_or_are_never_guessed(
    store: TaskStore, sandbox_url: str, same_text: bool
) -> None:
    account = _toutiao(store, sandbox_url)
    _fault(sandbox_url, mode="accept_then_error")
    due = utcnow() + timedelta(seconds=0.3)
    texts = ["Report." if same_text else f"Report {n}." for n in (1, 2)]
    tasks = [store.create_task(account, text, due, title=TITLE) for text in texts]
    _publish_due(store, sandbox_url)
    _sandbox(sandbox_url, "DELETE", "faults")
    policy = ErrorPolicy(base_delay_seconds=0.05, max_attempts=3)
    for _ in range(3):
        time.sleep(0.1)
        _publish_due(store, sandbox_url, policy)
    posts = {
        p["platform_post_id"]: p["text"] for p in _sandbox(sandbox_url, "GET", "posts")["posts"]
    }
    assert len(posts) == 2  # both went out with the faulty answer; neither was sent again
    after = [store.get_task(t.id) for t in tasks]
    if not same_text:
        # Same title, but the list shows abstracts: each lookup finds one post, its own.
        assert [posts[t.platform_post_id or ""] for t in after] == [f"<p>{x}</p>" for x in texts]
        assert {t.status for t in after} == {TaskStatus.PUBLISHED}
        return
    # Identical posts, both tasks unresolved in one window: whose is whose cannot be told.
    for task in after:
        assert task.status is TaskStatus.NEEDS_ATTENTION, task
        assert task.platform_post_id is None
        assert "cannot tell which post" in (task.last_error or "")
        assert all(i in (task.last_error or "") for i in posts)  # the evidence: both posts


def test_a_post_made_before_the_attempt_began_is_not_taken(
    store: TaskStore, sandbox_url: str
) -> None:
    """The same article posted by hand (no task holds it) before the attempt: not the task's."""
    account = _toutiao(store, sandbox_url)
    client = ToutiaoClient(f"{sandbox_url}/toutiao", client_key="sandbox-app")
    by_hand = client.publish(account.credentials, Post(0, "Shares rose.", TITLE)).platform_post_id
    time.sleep(1.1)  # platform times are whole seconds: a second and more before the attempt
    _fault(sandbox_url, mode="timeout", delay_seconds=1.0)
    task = store.create_task(
        account, "Shares rose.", utcnow() + timedelta(seconds=0.2), title=TITLE
    )
    _publish_due(store, sandbox_url, clock_skew=timedelta(0))
    _sandbox(sandbox_url, "DELETE", "faults")
    time.sleep(0.1)
    _publish_due(store, sandbox_url, clock_skew=timedelta(0))
    after = store.get_task(task.id)
    assert after.status is TaskStatus.PUBLISHED
    assert after.platform_post_id not in (None, by_hand)
    assert len(_sandbox(sandbox_url, "GET", "posts")["posts"]) == 2


# ------------------------------------------------------------------------ the store


def _attempt(store: TaskStore, task_id: int) -> Task:
    lease = utcnow() + timedelta(minutes=5)
    return store.begin_attempt(store.get_task(task_id), "run", lease)


def test_the_store_refuses_a_second_holder_of_a_post(store: TaskStore, sandbox_url: str) -> None:
    desk, other_desk = _toutiao(store, sandbox_url), _toutiao(store, sandbox_url, "other")
    due = utcnow() + timedelta(seconds=30)
    holder, second = (store.create_task(desk, f"t{n}", due, title=TITLE) for n in (1, 2))
    elsewhere = store.create_task(other_desk, "t3", due, title=TITLE)
    lease = due + timedelta(minutes=5)
    assert len(store.claim_due_tasks(horizon=due, claim_batch_prefix="c", lease_until=lease)) == 3
    done = store.finish_attempt(
        _attempt(store, holder.id), TaskStatus.PUBLISHED, outcome="published", platform_post_id="p1"
    )
    assert done.platform_post_id == "p1"
    with pytest.raises(PostHeldError) as held:
        store.finish_attempt(
            _attempt(store, second.id),
            TaskStatus.PUBLISHED,
            outcome="found_published",
            platform_post_id="p1",
        )
    assert held.value.holder == holder.id and f"task {holder.id}" in str(held.value)
    after = store.get_task(second.id)
    assert (after.status, after.platform_post_id) == (TaskStatus.PUBLISHING, None)  # unwritten
    assert store.attempts(second.id)[-1]["finished_at"] is None
    # The same id on another account is that account's own post.
    store.finish_attempt(
        _attempt(store, elsewhere.id),
        TaskStatus.SUBMITTED,
        outcome="submitted",
        platform_post_id="p1",
    )


def test_a_sent_post_another_record_holds_goes_to_a_person(
    store: TaskStore, sandbox_url: str
) -> None:
    """A wrong record from before the index (or another store's) holds the id the platform
    gives the next post: the new post is out, but neither record may silently win."""
    account = _toutiao(store, sandbox_url)
    wrong = store.create_task(account, "Old.", utcnow() + timedelta(seconds=30), title=TITLE)
    next_id = str(SandboxState()._next_post_id + 1)  # the sandbox numbers posts from here
    with store.engine.begin() as conn:
        conn.execute(
            update(tasks)
            .where(tasks.c.id == wrong.id)
            .values(status="published", platform_post_id=next_id, published_at=utcnow())
        )
    sent = store.create_task(account, "New.", utcnow() + timedelta(seconds=0.3), title=TITLE)
    _publish_due(store, sandbox_url)
    (post,) = _sandbox(sandbox_url, "GET", "posts")["posts"]
    assert post["platform_post_id"] == next_id
    after = store.get_task(sent.id)
    assert (after.status, after.platform_post_id) == (TaskStatus.NEEDS_ATTENTION, None)
    assert f"post {next_id} is already task {wrong.id}'s" in (after.last_error or "")
    assert store.attempts(sent.id)[-1]["outcome"] == "post_held"
