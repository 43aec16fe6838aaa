"""Douyin uploads from the media store over real HTTP: the sandbox records the size and hash
it got; above 50 MB in parts, streamed; the refresh token renewed before its 30 days end."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from scheduling_platform.platforms.base import ErrorKind, PlatformError, Post
from scheduling_platform.platforms.douyin import DouyinClient
from scheduling_platform.publishing.token_refresh import refresh_credentials
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.platforms.conftest import Sandbox
from tests.samples import stored_media

MB = 1024 * 1024


@pytest.fixture
def client(sandbox: Sandbox) -> DouyinClient:
    return DouyinClient(sandbox.base("douyin"), client_key="sandbox-app", part_bytes=6 * MB)


def _sha(ref: str) -> str:
    return hashlib.sha256(Path(ref).read_bytes()).hexdigest()


def test_a_small_video_goes_in_one_request(
    client: DouyinClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    video = stored_media(tmp_path, "clip.mp4", size=3 * MB)
    client.publish(sandbox.credentials("douyin", "studio"), Post(1, "小视频", media=(video,)))
    (posted,) = sandbox.posts("douyin")
    (received,) = posted["extra"]["media"]
    assert (received["size"], received["sha256"]) == (3 * MB, _sha(video))


@pytest.fixture
def sandbox_process() -> Iterator[Sandbox]:
    """A sandbox in its own process, so this process's memory is the client's alone."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = f"from scheduling_platform.sandbox.app import serve; serve(port={port})"
    process = subprocess.Popen([sys.executable, "-c", code])
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/_sandbox/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield Sandbox(url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_above_50_mb_the_video_goes_in_parts_without_being_held_in_memory(
    sandbox_process: Sandbox, tmp_path: Path
) -> None:
    sandbox = sandbox_process
    client = DouyinClient(sandbox.base("douyin"), client_key="k", part_bytes=5 * MB)
    video = stored_media(tmp_path, "long.mp4", size=55 * MB)
    creds = sandbox.credentials("douyin", "studio")
    tracemalloc.start()
    try:
        result = client.publish(creds, Post(1, "长视频", media=(video,)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A part and its multipart copy at a time; whole, the file alone would be 55 MB.
    assert peak < 20 * MB, f"peak {peak / MB:.0f} MB: the file was read whole"
    (posted,) = sandbox.posts("douyin")
    assert posted["platform_post_id"] == result.platform_post_id
    (received,) = posted["extra"]["media"]
    assert (received["size"], received["sha256"]) == (55 * MB, _sha(video))


def test_the_sandbox_refuses_parts_it_cannot_join(sandbox: Sandbox) -> None:
    creds = sandbox.credentials("douyin", "studio")
    base = sandbox.base("douyin") + "/api/douyin/v1/video"
    auth = {"headers": {"access-token": creds["access_token"]}}
    query = {"open_id": creds["open_id"]}

    def call(path: str, **params: object) -> dict:
        return httpx.post(f"{base}/{path}/", params={**query, **params}, **auth).json()["data"]

    upload_id = call("init_video_part_upload")["upload_id"]
    for number in (1, 2):  # a 1 MB first part is below the 5 MB minimum
        httpx.post(
            f"{base}/upload_video_part/",
            params={**query, "upload_id": upload_id, "part_number": number},
            files={"video": ("p", b"\x00" * MB, "video/mp4")},
            **auth,
        )
    refused = call("complete_video_part_upload", upload_id=upload_id)
    assert refused["error_code"] == 2100005 and "5 MB" in refused["description"]
    unknown = call("complete_video_part_upload", upload_id="up-never")
    assert unknown["error_code"] == 2100005


def test_a_changed_store_file_is_not_completed(
    client: DouyinClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    video = stored_media(tmp_path, "long.mp4", size=51 * MB)
    Path(video).chmod(0o644)
    with Path(video).open("r+b") as handle:  # someone edits the stored file in place
        handle.seek(40 * MB)
        handle.write(b"tampered")
    with pytest.raises(PlatformError, match="changed in the media store") as caught:
        client.publish(sandbox.credentials("douyin", "studio"), Post(1, "x", media=(video,)))
    assert caught.value.kind is ErrorKind.REJECTED
    assert sandbox.posts("douyin") == []


def test_a_refresh_near_the_refresh_tokens_end_renews_it(
    client: DouyinClient, sandbox: Sandbox, sqlite_url: str
) -> None:
    creds = sandbox.credentials("douyin", "studio")
    ends = datetime.fromisoformat(creds["refresh_expires_at"])
    assert timedelta(days=29) < ends - utcnow() <= timedelta(days=30)
    store = TaskStore.from_url(sqlite_url)
    # 27 days on: three are left, within the 5-day margin.
    sandbox.advance_clock(timedelta(days=27))
    aged = {**creds, "refresh_expires_at": (utcnow() + timedelta(days=3)).isoformat()}
    account = store.add_account("douyin", "studio", "Asia/Shanghai", aged)
    renewed = refresh_credentials(store, client, account)
    assert renewed["refresh_token"] != creds["refresh_token"]
    assert datetime.fromisoformat(renewed["refresh_expires_at"]) - utcnow() > timedelta(days=29)
    assert store.get_account(account.id).credentials == renewed  # kept, not just used
    # The renewed token refreshes; the one it replaced does not.
    assert client.acquire_token({"refresh_token": renewed["refresh_token"]}).access_token
    with pytest.raises(PlatformError) as old:
        client.acquire_token({"refresh_token": creds["refresh_token"]})
    assert old.value.code == "10010"


def test_far_from_its_end_the_refresh_token_is_kept(client: DouyinClient, sandbox: Sandbox) -> None:
    creds = sandbox.credentials("douyin", "studio")
    grant = client.acquire_token(creds)
    assert grant.refresh_token == creds["refresh_token"]
    assert grant.extra["refresh_expires_at"][:13] == creds["refresh_expires_at"][:13]
    store_less = DouyinClient(
        sandbox.base("douyin"), client_key="k", refresh_renew_margin_seconds=31 * 86400
    )
    assert store_less.acquire_token(creds).refresh_token != creds["refresh_token"]
