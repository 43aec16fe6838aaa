"""A media upload is part of the attempt: when it fails the task is retried or failed like any
other error, and the post never goes out without the media its task names."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from scheduling_platform.accounts.registration import sandbox_credentials
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.registry import make_client
from scheduling_platform.publishing.publisher import BatchPublisher
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.samples import stored_media

# platform -> media its task carries (WeChat: cover, then an image inside the article).
MEDIA = {"wechat": ("cover.jpg", "inside.png"), "douyin": ("clip.mp4",)}


def _publish(store: TaskStore, sandbox_url: str, platform: str, prefix: str) -> None:
    horizon = utcnow() + timedelta(hours=2)  # past any backoff
    store.claim_due_tasks(
        horizon=horizon, claim_batch_prefix=prefix, lease_until=horizon + timedelta(minutes=5)
    )
    client = make_client(platform, f"{sandbox_url}/{platform}", 2.0)
    # Each round stands for a later tick: a retry's backoff is taken as served, not slept.
    publisher = BatchPublisher(store, {platform: client}, run_id=prefix, sleep=lambda _s: None)
    publisher.publish_batch(f"{prefix}:{platform}")


def _posts(sandbox_url: str) -> list[dict]:
    return httpx.get(f"{sandbox_url}/_sandbox/posts").json()["posts"]


@pytest.mark.parametrize("platform", sorted(MEDIA))
@pytest.mark.parametrize(("mode", "ends"), [("http_500", "retrying"), ("reject", "failed")])
def test_a_failed_upload_fails_the_attempt_and_nothing_goes_out(
    platform: str, mode: str, ends: str, sqlite_url: str, sandbox_url: str, tmp_path: Path
) -> None:
    store = TaskStore.from_url(sqlite_url)
    credentials = sandbox_credentials(platform, "brand", Settings(sandbox_url=sandbox_url))
    account = store.add_account(platform, "brand", "Asia/Shanghai", credentials)
    media = tuple(stored_media(tmp_path, name) for name in MEDIA[platform])
    task = store.create_task(
        account, "带媒体的帖子", utcnow() - timedelta(seconds=1), title="带媒体", media=media
    )
    fault = {"platform": platform, "mode": mode, "rate": 1.0, "on": "upload"}
    assert httpx.post(f"{sandbox_url}/_sandbox/faults", json=fault).status_code == 200

    _publish(store, sandbox_url, platform, "first")
    after = store.get_task(task.id)
    assert after.status.value == ends, after.last_error
    assert after.last_error and after.platform_post_id is None
    assert _posts(sandbox_url) == []  # no draft published, no video created without it

    httpx.delete(f"{sandbox_url}/_sandbox/faults")
    _publish(store, sandbox_url, platform, "second")
    final = store.get_task(task.id)
    if mode == "reject":
        assert final.status is TaskStatus.FAILED and _posts(sandbox_url) == []
        return
    # Retried once the uploads work: out once, with every item the task names.
    assert final.status is TaskStatus.SUBMITTED
    (posted,) = _posts(sandbox_url)
    assert len(posted["extra"]["media"]) == len(media)
