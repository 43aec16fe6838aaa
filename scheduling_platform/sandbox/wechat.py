"""Sandbox WeChat Official Account: tokens, drafts, freepublish with review, datacube metrics.

Sandbox apps: the app id `sandbox-<name>` with the secret `sandbox-<name>` is account <name>.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scheduling_platform.sandbox.metrics import engagement
from scheduling_platform.sandbox.state import IssuedToken, SandboxState

PUBLISH_PATHS = frozenset({"/cgi-bin/freepublish/submit"})

FAULT_BODIES = {
    "rate_limit": (45011, "api minute-quota reach limit  mustslower  retry next minute"),
    "token_expired": (42001, "access_token expired"),
    "reject": (53503, "该草稿未通过发布检查 (draft failed the publish check)"),
}
# freepublish/get publish_status of a post as the sandbox knows it.
REVIEW_STATUS = {"reviewing": 1, "published": 0, "rejected": 4}


def wechat_error(code: int, message: str) -> JSONResponse:
    # WeChat answers errors with HTTP 200 and an errcode.
    return JSONResponse({"errcode": code, "errmsg": message})


def fault_response(mode: str) -> Response:
    code, message = FAULT_BODIES[mode]
    return wechat_error(code, message)


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def routes(state: SandboxState) -> list[Route]:
    drafts: dict[str, dict[str, Any]] = {}

    def authorised(request: Request) -> IssuedToken | JSONResponse:
        token = request.query_params.get("access_token", "")
        if not token:
            return wechat_error(41001, "access_token missing")
        issued = state.token("wechat", token)
        if issued is None:
            return wechat_error(40001, "invalid credential, access_token is invalid or not latest")
        if issued.expires_at <= state.now():
            return wechat_error(42001, "access_token expired")
        return issued

    def grant(appid: str, secret: str, *, keep_old: bool) -> JSONResponse:
        if not appid.startswith("sandbox-") or len(appid) == len("sandbox-"):
            return wechat_error(40013, "invalid appid")
        if secret != appid:
            return wechat_error(40125, "invalid appsecret")
        account = appid.removeprefix("sandbox-")
        if not keep_old:  # a plain token request ends the tokens issued before
            state.revoke_tokens("wechat", account)
        token, issued = state.issue_token("wechat", account)
        return JSONResponse(
            {
                "access_token": token,
                "expires_in": int((issued.expires_at - state.now()).total_seconds()),
            }
        )

    async def token(request: Request) -> JSONResponse:
        params = request.query_params
        if params.get("grant_type") != "client_credential":
            return wechat_error(40002, "invalid grant_type")
        return grant(params.get("appid", ""), params.get("secret", ""), keep_old=False)

    async def stable_token(request: Request) -> JSONResponse:
        body = await _json(request)
        if body.get("grant_type") != "client_credential":
            return wechat_error(40002, "invalid grant_type")
        return grant(
            str(body.get("appid", "")),
            str(body.get("secret", "")),
            keep_old=not body.get("force_refresh", False),
        )

    async def draft_add(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        articles = (await _json(request)).get("articles")
        if not isinstance(articles, list) or not articles:
            return wechat_error(44003, "empty news data")
        for article in articles:
            title = str(article.get("title", ""))
            content = str(article.get("content", ""))
            if not title or len(title) > 32:
                return wechat_error(45003, "title size out of limit")
            if len(str(article.get("digest", ""))) > 128:
                return wechat_error(45004, "description size out of limit")
            if not content.strip():
                return wechat_error(44004, "empty content")
            if len(content) >= 20_000 or len(content.encode()) >= 1_000_000:
                return wechat_error(45002, "content size out of limit")
        media_id = f"draft-{state.next_id()}"
        drafts[media_id] = {"account": issued.account, "articles": articles}
        return JSONResponse({"media_id": media_id})

    async def submit(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        media_id = str((await _json(request)).get("media_id", ""))
        draft = drafts.get(media_id)
        if draft is None or draft["account"] != issued.account:
            return wechat_error(40007, "invalid media_id")
        if state.quota_spent("wechat", issued.account):
            return wechat_error(45009, "reach max api daily quota limit")
        del drafts[media_id]  # a draft is published once
        article = draft["articles"][0]
        msg_data_id = state.next_id()
        post = state.accept(
            "wechat",
            issued.account,
            str(article.get("content", "")),
            reviewed=True,
            title=str(article.get("title", "")),
            extra={
                "msg_data_id": msg_data_id,
                "article_id": f"art-{msg_data_id}",
                "content_source_url": article.get("content_source_url", ""),
                "digest": article.get("digest", ""),
            },
        )
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "publish_id": post.platform_post_id,
                "msg_data_id": msg_data_id,
            }
        )

    async def publish_get(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        publish_id = str((await _json(request)).get("publish_id", ""))
        post = state.post("wechat", publish_id)
        if post is None or post.account != issued.account:
            return wechat_error(53600, "Article ID 无效 (invalid publish_id)")
        status = REVIEW_STATUS[post.review_status]
        answer: dict[str, Any] = {"publish_id": publish_id, "publish_status": status}
        if status == 0:
            answer["article_id"] = post.extra["article_id"]
            answer["article_detail"] = {
                "count": 1,
                "item": [{"idx": 1, "article_url": _article_url(post.extra["article_id"])}],
            }
        elif status != 1:
            answer["fail_idx"] = [1]
        return JSONResponse(answer)

    async def batchget(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        body = await _json(request)
        offset, count = int(body.get("offset", 0)), min(int(body.get("count", 20)), 20)
        live = [
            p for p in state.posts_of("wechat", issued.account) if p.review_status == "published"
        ]
        page = live[::-1][offset : offset + count]
        return JSONResponse(
            {
                "total_count": len(live),
                "item_count": len(page),
                "item": [
                    {
                        "article_id": p.extra["article_id"],
                        "content": {
                            "news_item": [
                                {
                                    "title": p.title,
                                    "digest": p.extra.get("digest", ""),
                                    "content_source_url": p.extra.get("content_source_url", ""),
                                    "url": _article_url(p.extra["article_id"]),
                                }
                            ],
                            "create_time": int(datetime.fromisoformat(p.received_at).timestamp()),
                        },
                        "update_time": int(datetime.fromisoformat(p.received_at).timestamp()),
                    }
                    for p in page
                ],
            }
        )

    async def article_total(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        body = await _json(request)
        try:
            begin = date.fromisoformat(str(body.get("begin_date")))
            end = date.fromisoformat(str(body.get("end_date")))
        except ValueError:
            return wechat_error(61500, "date format error")
        # The real API stops at yesterday; the sandbox lets today through so tests see posts.
        if end < begin or end > state.now().date():
            return wechat_error(61501, "date range error")
        rows = []
        for post in state.posts_of("wechat", issued.account):
            sent = datetime.fromisoformat(post.received_at).date()
            if not begin <= sent <= end or post.review_status != "published":
                continue
            earned = engagement(state, post)
            rows.append(
                {
                    "ref_date": sent.isoformat(),
                    "msgid": f"{post.extra['msg_data_id']}_1",
                    "title": post.title,
                    "details": [
                        {
                            "stat_date": state.now().date().isoformat(),
                            "read_user": earned["reads"],
                            "share_user": earned["shares"],
                            "zaikan_user": earned["likes"] // 3,
                            "like_user": earned["likes"],
                            "comment_count": earned["comments"],
                        }
                    ],
                }
            )
        return JSONResponse({"list": rows})

    async def quota_get(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        limit = state.daily_quotas.get("wechat", 0)
        used = state.posts_today("wechat", issued.account)
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "quota": {"daily_limit": limit, "used": used, "remain": max(limit - used, 0)},
            }
        )

    return [
        Route("/cgi-bin/token", token, methods=["GET"]),
        Route("/cgi-bin/stable_token", stable_token, methods=["POST"]),
        Route("/cgi-bin/draft/add", draft_add, methods=["POST"]),
        Route("/cgi-bin/freepublish/submit", submit, methods=["POST"]),
        Route("/cgi-bin/freepublish/get", publish_get, methods=["POST"]),
        Route("/cgi-bin/freepublish/batchget", batchget, methods=["POST"]),
        Route("/cgi-bin/openapi/quota/get", quota_get, methods=["POST"]),
        Route("/datacube/getarticletotaldetail", article_total, methods=["POST"]),
    ]


def _article_url(article_id: str) -> str:
    return f"https://mp.weixin.qq.com/s/{article_id}"
