"""Sandbox Baidu Baijiahao: static app_id + app_token, article/publish with a unique origin_url,
review, status, statistics. Body `{"errno", "errmsg", "data"}`.

Sandbox apps: app_id `sandbox-<name>` with app_token `sandbox-<name>` is account <name>.
Only `60001001` is a documented code; the others are the sandbox's choice.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scheduling_platform.sandbox.metrics import engagement
from scheduling_platform.sandbox.state import SandboxState

PUBLISH_PATHS = frozenset({"/builderinner/open/resource/article/publish"})

AUTH_FAILED = 60001001
BAD_PARAMETER, DUPLICATE_ORIGIN_URL, CONTENT_REFUSED = 60002001, 60002003, 60002005
RATE_LIMITED, DAILY_QUOTA = 60003002, 60003001

FAULT_BODIES = {
    "rate_limit": (RATE_LIMITED, "请求过于频繁 (too many requests)"),
    # Baijiahao's app_token does not expire; an invalidated one fails the auth check.
    "token_expired": (AUTH_FAILED, "auth check failed"),
    "reject": (CONTENT_REFUSED, "文章内容违规 (the article breaks the content rules)"),
}
STATUS = {
    "reviewing": "pre_publish",
    "published": "publish",
    "rejected": "rejected",
    "deleted": "withdraw",
}


def bjh_answer(data: Any = None, errno: int = 0, errmsg: str = "success") -> JSONResponse:
    return JSONResponse(
        {"errno": errno, "errmsg": errmsg, "data": data if data is not None else {}}
    )


def fault_response(mode: str) -> Response:
    errno, errmsg = FAULT_BODIES[mode]
    return bjh_answer({}, errno, errmsg)


async def _fields(request: Request) -> dict[str, Any]:
    """The request's fields, sent as a form or as JSON."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
    return dict(await request.form())


def _covers(raw: str) -> list[str] | None:
    """The `src` of each cover in `cover_images` ('[{"src": ...}]'); None when malformed."""
    try:
        covers = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(covers, list) or not all(
        isinstance(c, dict) and isinstance(c.get("src"), str) for c in covers
    ):
        return None
    return [c["src"] for c in covers]


def routes(state: SandboxState) -> list[Route]:
    def account_of(fields: dict[str, Any]) -> str | JSONResponse:
        app_id, app_token = str(fields.get("app_id", "")), str(fields.get("app_token", ""))
        if not app_id.startswith("sandbox-") or app_token != app_id or app_id == "sandbox-":
            return bjh_answer({}, AUTH_FAILED, "auth check failed")
        return app_id.removeprefix("sandbox-")

    async def publish(request: Request) -> JSONResponse:
        fields = await _fields(request)
        account = account_of(fields)
        if isinstance(account, JSONResponse):
            return account
        title, content = str(fields.get("title", "")), str(fields.get("content", ""))
        origin_url = str(fields.get("origin_url", ""))
        if not 5 <= len(title) <= 40:
            return bjh_answer({}, BAD_PARAMETER, "标题需5到40字 (title must be 5-40 characters)")
        if not content.strip() or not origin_url:
            return bjh_answer({}, BAD_PARAMETER, "content and origin_url are required")
        mine = state.posts_of("baijiahao", account)
        if any(p.extra.get("origin_url") == origin_url for p in mine):
            return bjh_answer({}, DUPLICATE_ORIGIN_URL, "文章已存在 (origin_url already published)")
        if state.quota_spent("baijiahao", account):
            return bjh_answer({}, DAILY_QUOTA, "今日发文数已达上限 (daily quota reached)")
        covers = _covers(str(fields.get("cover_images", "") or "[]"))
        if covers is None:
            return bjh_answer({}, BAD_PARAMETER, "cover_images must be a JSON list of {src}")
        post = state.accept(
            "baijiahao",
            account,
            content,
            reviewed=True,
            title=title,
            extra={
                "origin_url": origin_url,
                "cover_images": fields.get("cover_images", ""),
                # The platform fetches these URLs; what it received is the list of them.
                "media": [{"role": "cover", "src": src} for src in covers],
                "content_type": "article",
            },
        )
        return bjh_answer({"article_id": post.platform_post_id})

    async def withdraw(request: Request) -> JSONResponse:
        fields = await _fields(request)
        account = account_of(fields)
        if isinstance(account, JSONResponse):
            return account
        post = state.post("baijiahao", str(fields.get("article_id", "")))
        if post is None or post.account != account:
            return bjh_answer({}, BAD_PARAMETER, "article not found")
        state.delete(post)
        return bjh_answer({"article_id": post.platform_post_id})

    async def status(request: Request) -> JSONResponse:
        fields = await _fields(request)
        account = account_of(fields)
        if isinstance(account, JSONResponse):
            return account
        post = state.post("baijiahao", str(fields.get("article_id", "")), deleted=True)
        if post is None or post.account != account:
            return bjh_answer({}, BAD_PARAMETER, "article not found")
        return bjh_answer(
            {
                "article_id": post.platform_post_id,
                "status": STATUS[post.review_status],
                "audit_msg": post.review_message or "",
                "url": f"https://baijiahao.baidu.com/s?id={post.platform_post_id}",
            }
        )

    async def article_list(request: Request) -> JSONResponse:
        fields = await _fields(request)
        account = account_of(fields)
        if isinstance(account, JSONResponse):
            return account
        page_no = max(int(fields.get("page_no", 1)), 1)
        page_size = min(int(fields.get("page_size", 20)), 50)
        newest_first = state.posts_of("baijiahao", account)[::-1]
        page = newest_first[(page_no - 1) * page_size : page_no * page_size]
        return bjh_answer(
            {
                "total": len(newest_first),
                "list": [
                    {
                        "article_id": p.platform_post_id,
                        "title": p.title,
                        "origin_url": p.extra.get("origin_url"),
                        "status": STATUS[p.review_status],
                        "publish_time": int(datetime.fromisoformat(p.received_at).timestamp()),
                    }
                    for p in page
                ],
            }
        )

    async def statistics(request: Request) -> JSONResponse:
        fields = await _fields(request)
        account = account_of(fields)
        if isinstance(account, JSONResponse):
            return account
        post = state.post("baijiahao", str(fields.get("article_id", "")))
        if post is None or post.account != account:
            return bjh_answer({}, BAD_PARAMETER, "article not found")
        earned = engagement(state, post)
        return bjh_answer(
            {
                "article_id": post.platform_post_id,
                "view_count": earned["reads"],
                "recommend_count": int(earned["reads"] * 3.2),
                "comment_count": earned["comments"],
                "share_count": earned["shares"],
                "likes_count": earned["likes"],
                "collect_count": earned["likes"] // 4,
            }
        )

    prefix = "/builderinner/open/resource"
    return [
        Route(f"{prefix}/article/publish", publish, methods=["POST"]),
        Route(f"{prefix}/article/withdraw", withdraw, methods=["POST"]),
        Route(f"{prefix}/article/list", article_list, methods=["POST"]),
        Route(f"{prefix}/query/status", status, methods=["POST"]),
        Route(f"{prefix}/query/articleStatistics", statistics, methods=["POST"]),
    ]
