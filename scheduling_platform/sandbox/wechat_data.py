"""Sandbox WeChat reading endpoints: published articles (batchget, getarticle) and the
datacube statistics, in the documented shapes.

`datacube/getarticletotaldetail` answers `{"list": [...], "is_delay": bool}`; each row has
`ref_date`, `msgid`, `publish_type` and the days under `detail_list` (cumulative figures as of
each `stat_date`). Its end date is at most yesterday (Beijing time), as on WeChat.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scheduling_platform.sandbox.metrics import engagement
from scheduling_platform.sandbox.state import AcceptedPost, SandboxState

BEIJING = ZoneInfo("Asia/Shanghai")


def article_url(article_id: str) -> str:
    return f"https://mp.weixin.qq.com/s/{article_id}"


def news_item(post: AcceptedPost, *, with_content: bool = True) -> dict[str, Any]:
    """A published article as freepublish/batchget and getarticle list it."""
    article = post.extra["article"]
    return {
        "title": post.title,
        "author": article.get("author", ""),
        "digest": article.get("digest", ""),
        "content": post.text if with_content else "",
        "content_source_url": article.get("content_source_url", ""),
        "thumb_media_id": article.get("thumb_media_id", ""),
        "thumb_url": post.extra.get("thumb_url", ""),
        "need_open_comment": int(article.get("need_open_comment", 0)),
        "only_fans_can_comment": int(article.get("only_fans_can_comment", 0)),
        "url": article_url(post.extra["article_id"]),
        "is_deleted": post.review_status == "deleted",
    }


def _stamp(post: AcceptedPost) -> int:
    return int(datetime.fromisoformat(post.received_at).timestamp())


def data_routes(
    state: SandboxState,
    authorised: Callable[[Request], Any],
    body_of: Callable[[Request], Any],
    error: Callable[[int, str], JSONResponse],
) -> list[Route]:
    def live(account: str) -> list[AcceptedPost]:
        return [p for p in state.posts_of("wechat", account) if p.review_status == "published"]

    async def batchget(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        body = await body_of(request)
        offset, count = int(body.get("offset", 0)), min(int(body.get("count", 20)), 20)
        with_content = not int(body.get("no_content", 0))
        articles = live(issued.account)
        page = articles[::-1][offset : offset + count]
        items = [
            {
                "article_id": p.extra["article_id"],
                "content": {
                    "news_item": [news_item(p, with_content=with_content)],
                    "create_time": _stamp(p),
                    "update_time": _stamp(p),
                },
                "update_time": _stamp(p),
            }
            for p in page
        ]
        return JSONResponse({"total_count": len(articles), "item_count": len(items), "item": items})

    async def getarticle(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        wanted = str((await body_of(request)).get("article_id", ""))
        for post in state.posts_of("wechat", issued.account):
            if post.extra.get("article_id") == wanted and post.review_status == "published":
                return JSONResponse({"news_item": [news_item(post)]})
        return error(53600, "Article ID 无效 (invalid article_id)")

    async def article_total(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        body = await body_of(request)
        try:
            begin = date.fromisoformat(str(body.get("begin_date")))
            end = date.fromisoformat(str(body.get("end_date")))
        except ValueError:
            return error(61500, "date format error")
        today = state.now().astimezone(BEIJING).date()
        if end < begin or end >= today:  # at most yesterday, as the documentation says
            return error(61501, "date range error")
        rows = []
        for post in live(issued.account):
            sent = datetime.fromisoformat(post.received_at).astimezone(BEIJING).date()
            if not begin <= sent <= end:
                continue
            days = []
            day = sent
            while day <= end:
                close = datetime.combine(day + timedelta(days=1), time(), BEIJING)
                earned = engagement(state, post, at=close)
                days.append(
                    {
                        "stat_date": day.isoformat(),
                        "read_user": earned["reads"],
                        "read_user_source": [{"scene": 0, "user_count": earned["reads"]}],
                        "share_user": earned["shares"],
                        "zaikan_user": earned["likes"] // 3,
                        "like_user": earned["likes"],
                        "comment_count": earned["comments"],
                        "collection_user": earned["likes"] // 5,
                    }
                )
                day += timedelta(days=1)
            rows.append(
                {
                    "ref_date": sent.isoformat(),
                    "msgid": f"{post.extra['msg_data_id']}_1",
                    "publish_type": 0,
                    "title": post.title,
                    "detail_list": days,
                }
            )
        return JSONResponse({"list": rows, "is_delay": False})

    return [
        Route("/cgi-bin/freepublish/batchget", batchget, methods=["POST"]),
        Route("/cgi-bin/freepublish/getarticle", getarticle, methods=["POST"]),
        Route("/datacube/getarticletotaldetail", article_total, methods=["POST"]),
    ]
