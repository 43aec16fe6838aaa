"""Sandbox WeChat Official Account: tokens, drafts, freepublish with review and deletion.

Sandbox apps: the app id `sandbox-<name>` with the secret `sandbox-<name>` is account <name>.
draft/add refuses a `thumb_media_id` no material upload returned (40007) and, as WeChat does,
shows only article images that media/uploadimg returned (others are filtered out and noted).
After a new token, the old one stays valid five minutes. Material and image uploads are in
wechat_media.py, articles and statistics in wechat_data.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scheduling_platform.sandbox import wechat_media
from scheduling_platform.sandbox.state import IssuedToken, SandboxState
from scheduling_platform.sandbox.wechat_data import article_url, data_routes
from scheduling_platform.sandbox.wechat_media import WeChatMedia, media_routes

PUBLISH_PATHS = frozenset({"/cgi-bin/freepublish/submit"})
UPLOAD_PATHS = wechat_media.UPLOAD_PATHS
# After a new token is issued the old one stays valid this long (AccessToken.html).
OLD_TOKEN_GRACE = timedelta(minutes=5)

FAULT_BODIES = {
    "rate_limit": (45011, "api minute-quota reach limit  mustslower  retry next minute"),
    "token_expired": (42001, "access_token expired"),
    "reject": (53503, "该草稿未通过发布检查 (draft failed the publish check)"),
}
# freepublish/get publish_status of a post as the sandbox knows it.
REVIEW_STATUS = {"reviewing": 1, "published": 0, "rejected": 4, "deleted": 5}


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
    media = WeChatMedia()

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
        if not keep_old:  # a new token ends the ones before, five minutes later
            grace_end = state.now() + OLD_TOKEN_GRACE
            for issued in state.tokens.values():
                if issued.platform == "wechat" and issued.account == account:
                    issued.expires_at = min(issued.expires_at, grace_end)
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
            thumb = str(article.get("thumb_media_id", ""))
            if article.get("article_type", "news") == "news" and (
                media.material_of(issued.account, thumb) is None
            ):
                return wechat_error(40007, "invalid media_id")
        media_id = f"draft-{state.next_id()}"
        drafts[media_id] = {
            "account": issued.account,
            "articles": articles,
            "update_time": int(state.now().timestamp()),
        }
        return JSONResponse({"media_id": media_id})

    async def draft_get(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        draft = drafts.get(str((await _json(request)).get("media_id", "")))
        if draft is None or draft["account"] != issued.account:
            return wechat_error(40007, "invalid media_id")
        return JSONResponse({"news_item": draft["articles"]})

    async def draft_count(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        mine = sum(1 for d in drafts.values() if d["account"] == issued.account)
        return JSONResponse({"total_count": mine})

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
        content = str(article.get("content", ""))
        cover = media.material_of(issued.account, str(article.get("thumb_media_id", "")))
        shown, dropped = media.article_images(issued.account, content)
        received = [{"role": "cover", **_public(cover)}] if cover else []
        received += [{"role": "inline", **_public(image)} for image in shown]
        msg_data_id = state.next_id()
        post = state.accept(
            "wechat",
            issued.account,
            content,
            reviewed=True,
            title=str(article.get("title", "")),
            extra={
                "msg_data_id": msg_data_id,
                "article_id": f"art-{msg_data_id}",
                "article": {k: v for k, v in article.items() if k != "content"},
                "thumb_media_id": article.get("thumb_media_id", ""),
                "thumb_url": cover["url"] if cover else "",
                "media": received,
                "dropped_images": dropped,  # WeChat filters images it did not host
                "content_type": "article",
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
        post = state.post("wechat", publish_id, deleted=True)
        if post is None or post.account != issued.account:
            return wechat_error(53600, "Article ID 无效 (invalid publish_id)")
        status = REVIEW_STATUS[post.review_status]
        # fail_idx is always there: empty unless articles failed.
        answer: dict[str, Any] = {
            "publish_id": publish_id,
            "publish_status": status,
            "fail_idx": [1] if status in (2, 3, 4) else [],
        }
        if status in (0, 5, 6):
            answer["article_id"] = post.extra["article_id"]
            answer["article_detail"] = {
                "count": 1,
                "item": [{"idx": 1, "article_url": article_url(post.extra["article_id"])}],
            }
        return JSONResponse(answer)

    async def publish_delete(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        body = await _json(request)
        wanted, index = str(body.get("article_id", "")), int(body.get("index", 0) or 0)
        for post in state.posts_of("wechat", issued.account):
            if post.extra.get("article_id") == wanted and post.review_status == "published":
                if index not in (0, 1):  # each sandbox publish holds one article
                    return wechat_error(53600, "invalid index")
                state.delete(post)
                return JSONResponse({"errcode": 0, "errmsg": "ok"})
        return wechat_error(53600, "Article ID 无效 (invalid article_id)")

    async def api_domain_ip(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        return JSONResponse({"ip_list": ["101.89.47.18", "101.91.34.103"]})

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
        Route("/cgi-bin/draft/get", draft_get, methods=["POST"]),
        Route("/cgi-bin/draft/count", draft_count, methods=["POST", "GET"]),
        Route("/cgi-bin/freepublish/submit", submit, methods=["POST"]),
        Route("/cgi-bin/freepublish/get", publish_get, methods=["POST"]),
        Route("/cgi-bin/freepublish/delete", publish_delete, methods=["POST"]),
        Route("/cgi-bin/openapi/quota/get", quota_get, methods=["POST"]),
        Route("/cgi-bin/get_api_domain_ip", api_domain_ip, methods=["GET"]),
        *media_routes(state, media, authorised),
        *data_routes(state, authorised, _json, wechat_error),
    ]


def _public(upload: dict[str, Any]) -> dict[str, Any]:
    """What a test may see of an upload: its hash, size and type."""
    return {k: upload[k] for k in ("sha256", "size", "mime")}
