"""WeChat media and reading endpoints over real HTTP: the cover as a per-task thumb material,
article images through uploadimg, 40007 for a cover no upload returned, datacube's shape and
its yesterday limit, fail_idx, draft and article endpoints, deletion."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from scheduling_platform.platforms.base import ErrorKind, PlatformError, Post
from scheduling_platform.platforms.wechat import WeChatClient
from scheduling_platform.timeutil import utcnow
from tests.platforms.conftest import Sandbox, wait_for
from tests.samples import stored_media


@pytest.fixture
def client(sandbox: Sandbox) -> WeChatClient:
    return WeChatClient(sandbox.base("wechat"))


def _sha(ref: str) -> str:
    return hashlib.sha256(Path(ref).read_bytes()).hexdigest()


def _raw(sandbox: Sandbox, creds: dict, path: str, body: dict | None = None) -> dict:
    return httpx.post(
        f"{sandbox.base('wechat')}{path}",
        params={"access_token": creds["access_token"]},
        json=body or {},
    ).json()


def test_cover_and_images_are_uploaded_and_the_article_shows_them(
    client: WeChatClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    creds = sandbox.credentials("wechat", "brand")
    cover = stored_media(tmp_path, "cover.jpg", size=30_000)
    inside = [stored_media(tmp_path, "a.png", 200_000), stored_media(tmp_path, "b.jpg", 90_000)]
    client.publish(creds, Post(1, "图文", title="带图的文章", media=(cover, *inside)))
    (posted,) = sandbox.posts("wechat")
    roles = [(m["role"], m["sha256"]) for m in posted["extra"]["media"]]
    assert roles == [("cover", _sha(cover)), *[("inline", _sha(i)) for i in inside]]
    assert posted["extra"]["dropped_images"] == []  # every <img> is one WeChat hosts
    assert str(tmp_path) not in posted["text"] and posted["text"].count("mmbiz.qpic.cn") == 2
    # A second task gets its own cover material, not one fixed on the account.
    client.publish(creds, Post(2, "另一篇", title="第二篇文章", media=(cover,)))
    thumbs = {p["extra"]["thumb_media_id"] for p in sandbox.posts("wechat")}
    assert len(thumbs) == 2


def test_a_cover_no_upload_returned_is_refused_with_40007(
    client: WeChatClient, sandbox: Sandbox
) -> None:
    creds = sandbox.credentials("wechat", "brand")
    article = {"title": "t", "content": "<p>x</p>", "thumb_media_id": "never-uploaded"}
    assert _raw(sandbox, creds, "/cgi-bin/draft/add", {"articles": [article]})["errcode"] == 40007
    with pytest.raises(PlatformError) as caught:
        client._call("/cgi-bin/draft/add", creds, {"articles": [article]})
    assert caught.value.kind is ErrorKind.REJECTED and caught.value.code == "40007"
    with pytest.raises(PlatformError, match="needs a cover"):
        client.publish(creds, Post(1, "没有封面", title="无封面"))
    assert sandbox.posts("wechat") == []


def test_the_sandbox_takes_only_what_wechat_takes_as_media(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    creds = sandbox.credentials("wechat", "brand")
    base = sandbox.base("wechat")
    params = {"access_token": creds["access_token"], "type": "thumb"}
    png = Path(stored_media(tmp_path, "x.png")).read_bytes()
    big = Path(stored_media(tmp_path, "x.jpg", size=65 * 1024 + 1)).read_bytes()
    for data, code in ((png, 40005), (big, 40006)):
        answer = httpx.post(
            f"{base}/cgi-bin/material/add_material", params=params, files={"media": ("f", data)}
        )
        assert answer.json()["errcode"] == code


def test_statistics_come_per_day_under_detail_list_and_end_yesterday(
    client: WeChatClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    creds = sandbox.credentials("wechat", "brand")
    sandbox.configure(review_delay_seconds=0)
    result = client.publish(
        creds, Post(1, "统计", title="统计文章", media=(stored_media(tmp_path, "c.jpg"),))
    )
    publish_id = result.platform_post_id.split(":")[0]
    wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    sandbox.backdate("wechat", publish_id, timedelta(days=3))
    today = (utcnow() + timedelta(hours=8)).date()
    refused = _raw(
        sandbox,
        creds,
        "/datacube/getarticletotaldetail",
        {"begin_date": str(today - timedelta(days=5)), "end_date": str(today)},
    )
    assert refused["errcode"] == 61501
    yesterday = today - timedelta(days=1)
    body = _raw(
        sandbox,
        creds,
        "/datacube/getarticletotaldetail",
        {"begin_date": str(today - timedelta(days=5)), "end_date": str(yesterday)},
    )
    assert body["is_delay"] is False
    (row,) = body["list"]
    assert set(row) >= {"ref_date", "msgid", "publish_type", "detail_list"}
    assert row["msgid"] == f"{result.platform_post_id.split(':')[1]}_1"
    days = row["detail_list"]
    assert [d["stat_date"] for d in days][-1] == str(yesterday) and len(days) >= 3
    assert set(days[-1]) >= {"stat_date", "read_user", "share_user", "zaikan_user", "like_user"}
    reads = [d["read_user"] for d in days]
    assert reads == sorted(reads)  # cumulative
    metrics = client.fetch_metrics(creds, [result.platform_post_id])[result.platform_post_id]
    assert metrics["reads"] == days[-1]["read_user"] > 0
    assert metrics["likes"] == days[-1]["like_user"]


def test_publish_status_drafts_articles_and_deletion(
    client: WeChatClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    creds = sandbox.credentials("wechat", "brand")
    sandbox.configure(review_delay_seconds=0)
    cover = stored_media(tmp_path, "c.jpg")
    assert _raw(sandbox, creds, "/cgi-bin/draft/count")["total_count"] == 0
    thumb = client._upload("/cgi-bin/material/add_material", creds, _file(cover), {"type": "thumb"})
    article = {"title": "草稿", "content": "<p>x</p>", "thumb_media_id": thumb["media_id"]}
    draft = _raw(sandbox, creds, "/cgi-bin/draft/add", {"articles": [article]})["media_id"]
    assert _raw(sandbox, creds, "/cgi-bin/draft/count")["total_count"] == 1
    got = _raw(sandbox, creds, "/cgi-bin/draft/get", {"media_id": draft})["news_item"]
    assert got[0]["thumb_media_id"] == thumb["media_id"]

    result = client.publish(creds, Post(9, "上线", title="上线文章", media=(cover,)))
    publish_id = result.platform_post_id.split(":")[0]
    wait_for(lambda: client.publish_status(creds, result.platform_post_id).final)
    status = _raw(sandbox, creds, "/cgi-bin/freepublish/get", {"publish_id": publish_id})
    assert status["fail_idx"] == [] and status["publish_status"] == 0
    article_id = status["article_id"]
    (item,) = _raw(sandbox, creds, "/cgi-bin/freepublish/getarticle", {"article_id": article_id})[
        "news_item"
    ]
    assert set(item) >= {
        "title", "author", "digest", "content", "content_source_url", "thumb_media_id", "url",
        "is_deleted",
    }  # fmt: skip
    assert item["is_deleted"] is False
    ips = httpx.get(
        f"{sandbox.base('wechat')}/cgi-bin/get_api_domain_ip",
        params={"access_token": creds["access_token"]},
    ).json()
    assert ips["ip_list"]

    client.delete_post(creds, result.platform_post_id)
    gone = _raw(sandbox, creds, "/cgi-bin/freepublish/get", {"publish_id": publish_id})
    assert gone["publish_status"] == 5 and gone["fail_idx"] == []
    with pytest.raises(PlatformError) as rejected:
        client.publish_status(creds, result.platform_post_id)
    assert "deleted" in rejected.value.platform_message
    with pytest.raises(PlatformError):
        client.delete_post(creds, f"article:{article_id}")


def _file(ref: str) -> dict:
    return {"media": ("c.jpg", Path(ref).read_bytes(), "image/jpeg")}
