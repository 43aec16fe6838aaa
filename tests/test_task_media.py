"""Task creation through the CLI ingests media into the store and refuses what cannot go out;
a refusal stores nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.media.servers import Route, media_server
from tests.samples import media_bytes, write_media

AT = (utcnow() + timedelta(days=1)).isoformat()


def _cli(*args: str, ok: bool = True) -> dict:
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return json.loads(result.stdout)


def _account(platform: str) -> str:
    return str(_cli("accounts", "add", "--platform", platform, "--name", f"{platform}-a")["id"])


def test_a_relative_path_is_stored_as_an_absolute_store_reference(
    platform_env: Settings, tmp_path: Path
) -> None:
    write_media(tmp_path, "clip.mp4")  # the CLI runs in tmp_path
    task = _cli(
        "tasks", "create", "--account", _account("douyin"), "--content", "开箱", "--at", AT,
        "--media", "clip.mp4",
    )  # fmt: skip
    (ref,) = task["media"]
    assert ref.startswith(str(platform_env.home / "media" / "sha256")) and ref.endswith(".mp4")
    assert Path(ref).read_bytes() == (tmp_path / "clip.mp4").read_bytes()


def test_a_loopback_url_is_refused_and_nothing_is_stored(platform_env: Settings) -> None:
    account = _account("weibo")
    with media_server() as server:
        server.routes["/a.png"] = Route(body=media_bytes("png"))
        refused = _cli(
            "tasks", "create", "--account", account, "--content", "图", "--at", AT,
            "--media", f"{server.url}/a.png", ok=False,
        )  # fmt: skip
        assert server.hits == []
    assert "not a public address" in refused["error"]
    assert TaskStore.from_settings(platform_env).list_tasks() == []


def test_a_symlink_or_a_suffix_lie_is_refused(platform_env: Settings, tmp_path: Path) -> None:
    account = _account("weibo")
    (tmp_path / "link.jpg").symlink_to(write_media(tmp_path, "real.jpg"))
    write_media(tmp_path, "lie.jpg", kind="mp4")
    for name, reason in (("link.jpg", "symbolic link"), ("lie.jpg", "content is video/mp4")):
        refused = _cli(
            "tasks", "create", "--account", account, "--content", "图", "--at", AT,
            "--media", name, ok=False,
        )  # fmt: skip
        assert reason in refused["error"]
    assert TaskStore.from_settings(platform_env).list_tasks() == []


def test_baijiahao_covers_need_a_public_media_url(
    platform_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = _account("baijiahao")
    write_media(tmp_path, "cover.jpg")
    args = ("tasks", "create", "--account", account, "--content", "正文", "--title", "百家号标题")
    refused = _cli(*args, "--at", AT, "--media", "cover.jpg", ok=False)
    assert "SCHEDULING_MEDIA_PUBLIC_BASE_URL" in refused["error"]
    monkeypatch.setenv("SCHEDULING_MEDIA_PUBLIC_BASE_URL", "https://media.brand.example")
    assert _cli(*args, "--at", AT, "--media", "cover.jpg")["media"]


def test_weibo_texts_need_the_safe_domain_when_one_is_set(
    platform_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = _account("weibo")
    monkeypatch.setenv("SCHEDULING_WEIBO_SAFE_DOMAIN", "brand.example")
    refused = _cli(
        "tasks", "create", "--account", account, "--content", "无链接", "--at", AT, ok=False
    )
    assert "safe domain brand.example" in refused["error"]
    text = "详见 https://m.brand.example/a"
    assert _cli("tasks", "create", "--account", account, "--content", text, "--at", AT)["id"]
