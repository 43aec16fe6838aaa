"""Content rules refuse at task creation what a platform can never accept, with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduling_platform.platforms.rules import ContentRejectedError, rules_for


@pytest.fixture
def video(tmp_path: Path) -> str:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"video")
    return str(path)


@pytest.mark.parametrize(
    ("platform", "text", "title", "media", "reason"),
    [
        ("weibo", "字" * 141, None, (), "at most 140"),
        ("weibo", "ok", None, ("https://x.example/a.jpg", "https://x.example/b.jpg"), "at most 1"),
        ("wechat", "正文", "标" * 33, (), "at most 32"),
        ("wechat", "x" * 20_000, None, (), "at most 19999"),
        ("douyin", "视频描述", None, (), "needs a video"),
        ("douyin", "视频描述", None, ("a.mp4", "b.mp4"), "at most 1"),
        ("toutiao", "正文", "五个字标题", ("a.jpg",), "no media"),
        ("toutiao", "正文", None, (), "needs a title"),
        ("toutiao", "正文", "四个字啊", (), "at least 5"),
        ("baijiahao", "正文", "标" * 41, (), "at most 40"),
        ("baijiahao", "正文", "短标题", (), "at least 5"),
        ("wechat", "正文", None, (), "needs a cover"),
    ],
)
def test_refusals_say_why(
    platform: str, text: str, title: str | None, media: tuple[str, ...], reason: str
) -> None:
    with pytest.raises(ContentRejectedError) as caught:
        rules_for(platform).check(text, title, media)
    assert reason in str(caught.value)


def test_acceptable_posts_pass(video: str) -> None:
    # Only counts here: types and sizes are read from the content at ingest (tests/media).
    rules_for("weibo").check("hello", None, ("https://x.example/a.png",))
    rules_for("wechat").check("正文", None, ("cover.jpg",))
    rules_for("douyin").check("视频描述", None, (video,))
    rules_for("toutiao").check("正文", "五个字标题")
    rules_for("baijiahao").check("正文", "足够长的标题", ("https://x.example/a.jpg",))
