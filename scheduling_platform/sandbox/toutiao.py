"""Sandbox Toutiao: OAuth like Douyin, `open/new_article_post`, recent articles, statistics.

Only the publish request is documented (older public client code); the answer shape, the
article list, the statistics endpoint and every error code are the sandbox's own choice,
in the ByteDance style `{"message", "data": {..., "error_code", "description"}}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scheduling_platform.sandbox.metrics import engagement
from scheduling_platform.sandbox.state import (
    REFRESH_TOKEN_LIFETIME,
    AcceptedPost,
    IssuedToken,
    SandboxState,
)

PUBLISH_PATHS = frozenset({"/open/new_article_post/"})

# All unconfirmed (PLATFORMS.md): the sandbox's codes, mapped by the client's defaults.
TOKEN_INVALID, TOKEN_EXPIRED, REFRESH_INVALID = 10009, 10008, 10010
RATE_LIMITED, BAD_PARAMETER, CONTENT_REFUSED, DAILY_QUOTA = 2100004, 2100005, 2100012, 2190010

FAULT_BODIES = {
    "rate_limit": (RATE_LIMITED, "请求过于频繁 (too many requests)"),
    "token_expired": (TOKEN_EXPIRED, "access_token过期 (access token expired)"),
    "reject": (CONTENT_REFUSED, "内容违规，发表失败 (content refused)"),
}


def toutiao_answer(data: dict[str, Any], code: int = 0, description: str = "") -> JSONResponse:
    return JSONResponse(
        {
            "message": "error" if code else "success",
            "data": {**data, "error_code": code, "description": description},
        }
    )


def fault_response(mode: str) -> Response:
    code, description = FAULT_BODIES[mode]
    return toutiao_answer({}, code, description)


def routes(state: SandboxState) -> list[Route]:
    def authorised(token: str) -> IssuedToken | JSONResponse:
        issued = state.token("toutiao", token)
        if issued is None:
            return toutiao_answer({}, TOKEN_INVALID, "access_token无效 (access token invalid)")
        if issued.expires_at <= state.now():
            return toutiao_answer({}, TOKEN_EXPIRED, "access_token过期 (access token expired)")
        return issued

    def grant(account: str) -> JSONResponse:
        token, issued = state.issue_token("toutiao", account)
        return toutiao_answer(
            {
                "access_token": token,
                "expires_in": int((issued.expires_at - state.now()).total_seconds()),
                "refresh_token": state.issue_refresh_token("toutiao", account),
                "refresh_expires_in": int(REFRESH_TOKEN_LIFETIME.total_seconds()),
                "open_id": issued.uid,
            }
        )

    async def access_token(request: Request) -> JSONResponse:
        form = await request.form()
        code = str(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or not code.startswith("sandbox-"):
            return toutiao_answer({}, 10007, "授权码无效 (authorization code invalid)")
        return grant(code.removeprefix("sandbox-"))

    async def refresh_token(request: Request) -> JSONResponse:
        form = await request.form()
        issued = state.refresh_token("toutiao", str(form.get("refresh_token", "")))
        if issued is None or issued.expires_at <= state.now():
            return toutiao_answer({}, REFRESH_INVALID, "refresh_token无效 (refresh token invalid)")
        return grant(issued.account)

    async def userinfo(request: Request) -> JSONResponse:
        issued = authorised(str((await request.form()).get("access_token", "")))
        if isinstance(issued, JSONResponse):
            return issued
        return toutiao_answer({"open_id": issued.uid, "nickname": issued.account})

    async def new_article_post(request: Request) -> JSONResponse:
        form = await request.form()
        issued = authorised(str(form.get("access_token", "")))
        if isinstance(issued, JSONResponse):
            return issued
        title, content = str(form.get("title", "")), str(form.get("content", ""))
        if not 5 <= len(title) <= 30:
            return toutiao_answer({}, BAD_PARAMETER, "标题长度需在5到30字之间 (title 5-30)")
        if not content.strip():
            return toutiao_answer({}, BAD_PARAMETER, "正文不能为空 (content is empty)")
        if state.quota_spent("toutiao", issued.account):
            return toutiao_answer({}, DAILY_QUOTA, "今日发文数已达上限 (daily quota reached)")
        draft = str(form.get("save", "1")) == "0"
        post = state.accept(
            "toutiao",
            issued.account,
            content,
            title=title,
            extra={
                "abstract": str(form.get("abstract", "")),
                "draft": draft,
                "content_type": "article",
                "media": [],  # no confirmed way to send media with an article
            },
        )
        return toutiao_answer({"pgc_id": post.platform_post_id})

    def article_view(post: AcceptedPost) -> dict[str, Any]:
        return {
            "pgc_id": post.platform_post_id,
            "title": post.title,
            "abstract": post.extra.get("abstract", ""),
            "create_time": int(datetime.fromisoformat(post.received_at).timestamp()),
            "url": f"https://www.toutiao.com/article/{post.platform_post_id}/",
        }

    async def article_list(request: Request) -> JSONResponse:
        issued = authorised(request.query_params.get("access_token", ""))
        if isinstance(issued, JSONResponse):
            return issued
        offset = int(request.query_params.get("offset", 0))
        count = min(int(request.query_params.get("count", 20)), 50)
        newest_first = state.posts_of("toutiao", issued.account)[::-1]
        page = newest_first[offset : offset + count]
        return toutiao_answer(
            {
                "list": [article_view(p) for p in page],
                "has_more": offset + len(page) < len(newest_first),
            }
        )

    async def article_stat(request: Request) -> JSONResponse:
        issued = authorised(request.query_params.get("access_token", ""))
        if isinstance(issued, JSONResponse):
            return issued
        rows = []
        for pgc_id in request.query_params.get("pgc_ids", "").split(","):
            post = state.post("toutiao", pgc_id)
            if post is None or post.account != issued.account:
                continue
            earned = engagement(state, post)
            rows.append(
                {
                    "pgc_id": pgc_id,
                    "read_count": earned["reads"],
                    "digg_count": earned["likes"],
                    "share_count": earned["shares"],
                    "comment_count": earned["comments"],
                }
            )
        return toutiao_answer({"list": rows})

    return [
        Route("/oauth/access_token/", access_token, methods=["POST"]),
        Route("/oauth/refresh_token/", refresh_token, methods=["POST"]),
        Route("/oauth/userinfo/", userinfo, methods=["POST"]),
        Route("/open/new_article_post/", new_article_post, methods=["POST"]),
        Route("/open/article/list/", article_list, methods=["GET"]),
        Route("/open/article/stat/", article_stat, methods=["GET"]),
    ]
