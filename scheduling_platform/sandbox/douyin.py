"""Sandbox Douyin: OAuth with refresh tokens, upload_video then create_video, review, metrics.

Douyin wraps every answer as `{"data": {..., "error_code", "description"}, "extra": {...}}`.
Sandbox authorisation codes are `sandbox-<name>`; any client_key is accepted.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scheduling_platform.sandbox import douyin_upload
from scheduling_platform.sandbox.douyin_upload import upload_routes
from scheduling_platform.sandbox.metrics import engagement
from scheduling_platform.sandbox.state import (
    REFRESH_TOKEN_LIFETIME,
    AcceptedPost,
    IssuedToken,
    SandboxState,
)
from scheduling_platform.timeutil import utcnow

PUBLISH_PATHS = frozenset({"/api/douyin/v1/video/create_video/"})
# Uploads fail on command too (`"on": "upload"`): a failed upload must fail the attempt.
UPLOAD_PATHS = douyin_upload.UPLOAD_PATHS

# The daily-quota and content-refusal codes are unconfirmed (PLATFORMS.md): the sandbox's own.
DAILY_QUOTA_CODE = 28003024
CONTENT_REFUSED_CODE = 28003007

FAULT_BODIES = {
    "rate_limit": (2100004, "系统繁忙，此时请开发者稍候再试 (system busy, try later)"),
    "token_expired": (28001008, "access_token过期 (access token expired)"),
    "reject": (CONTENT_REFUSED_CODE, "视频内容违规 (the video breaks the community rules)"),
}
# video_data video_status: 4 in review, 5 public, 2 not suitable to be public.
VIDEO_STATUS = {"reviewing": 4, "published": 5, "rejected": 2}


def douyin_answer(data: dict[str, Any], code: int = 0, description: str = "") -> JSONResponse:
    extra = {
        "logid": secrets.token_hex(8),
        "now": int(utcnow().timestamp() * 1000),
        "error_code": code,
        "description": description,
        "sub_error_code": 0,
        "sub_description": "",
    }
    return JSONResponse(
        {"data": {**data, "error_code": code, "description": description}, "extra": extra}
    )


def douyin_error(code: int, description: str) -> JSONResponse:
    return douyin_answer({}, code, description)


def fault_response(mode: str) -> Response:
    code, description = FAULT_BODIES[mode]
    return douyin_error(code, description)


def routes(state: SandboxState) -> list[Route]:
    videos: dict[str, dict[str, Any]] = {}  # video_id -> account, used

    def authorised(request: Request, token: str | None = None) -> IssuedToken | JSONResponse:
        token = token if token is not None else request.headers.get("access-token", "")
        issued = state.token("douyin", token)
        if issued is None:
            return douyin_error(28001003, "access_token无效 (access token invalid)")
        if issued.expires_at <= state.now():
            return douyin_error(28001008, "access_token过期 (access token expired)")
        if request.query_params.get("open_id", issued.uid) != issued.uid:
            return douyin_error(2190015, "access_token与open_id不匹配 (open_id mismatch)")
        return issued

    def grant(account: str, refresh: str | None = None) -> JSONResponse:
        """A new access token; with `refresh`, that refresh token and what is left of it
        (refreshing does not extend a refresh token: renew_refresh_token does)."""
        token, issued = state.issue_token("douyin", account)
        if refresh is None:
            refresh = state.issue_refresh_token("douyin", account)
        refresh_ends = state.refresh_tokens[refresh].expires_at
        return douyin_answer(
            {
                "access_token": token,
                "expires_in": int((issued.expires_at - state.now()).total_seconds()),
                "refresh_token": refresh,
                "refresh_expires_in": int((refresh_ends - state.now()).total_seconds()),
                "open_id": issued.uid,
                "scope": "user_info,video.create,video.data,data.external.item",
            }
        )

    async def access_token(request: Request) -> JSONResponse:
        form = await request.form()
        code = str(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or not code.startswith("sandbox-"):
            return douyin_error(10007, "授权码无效 (authorization code invalid)")
        return grant(code.removeprefix("sandbox-"))

    async def refresh_token(request: Request) -> JSONResponse:
        form = await request.form()
        issued = state.refresh_token("douyin", str(form.get("refresh_token", "")))
        if form.get("grant_type") != "refresh_token" or issued is None:
            return douyin_error(10010, "refresh_token无效 (refresh token invalid)")
        if issued.expires_at <= state.now():
            return douyin_error(10010, "refresh_token过期 (refresh token expired)")
        return grant(issued.account, str(form["refresh_token"]))

    async def renew_refresh_token(request: Request) -> JSONResponse:
        form = await request.form()
        old = str(form.get("refresh_token", ""))
        issued = state.refresh_token("douyin", old)
        if issued is None or issued.expires_at <= state.now():
            return douyin_error(10010, "refresh_token无效或过期 (refresh token invalid or expired)")
        del state.refresh_tokens[old]  # the renewed token replaces it
        fresh = state.issue_refresh_token("douyin", issued.account)
        return douyin_answer(
            {"refresh_token": fresh, "expires_in": int(REFRESH_TOKEN_LIFETIME.total_seconds())}
        )

    async def userinfo(request: Request) -> JSONResponse:
        form = await request.form()
        issued = authorised(request, str(form.get("access_token", "")))
        if isinstance(issued, JSONResponse):
            return issued
        return douyin_answer(
            {"open_id": issued.uid, "nickname": issued.account, "e_account_role": "EAccountM"}
        )

    async def create_video(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        try:
            body = await request.json()
        except ValueError:
            body = {}
        video = videos.get(str(body.get("video_id", "")))
        if video is None or video["account"] != issued.account:
            return douyin_error(2100005, "参数不合法 (unknown video_id)")
        if video["used"]:
            return douyin_error(2100005, "参数不合法 (a video_id serves one create only)")
        if state.quota_spent("douyin", issued.account):
            return douyin_error(DAILY_QUOTA_CODE, "今日发布次数已达上限 (daily quota reached)")
        video["used"] = True
        received = {"video_id": body["video_id"], "size": video["size"], "sha256": video["sha256"]}
        post = state.accept(
            "douyin",
            issued.account,
            str(body.get("text", "")),
            reviewed=True,
            extra={"video_id": body["video_id"], "media": [received], "content_type": "video"},
        )
        return douyin_answer({"item_id": post.platform_post_id})

    def item_view(post: AcceptedPost) -> dict[str, Any]:
        earned = engagement(state, post)
        return {
            "item_id": post.platform_post_id,
            "title": post.text,
            "create_time": int(datetime.fromisoformat(post.received_at).timestamp()),
            "video_status": VIDEO_STATUS[post.review_status],
            "is_reviewed": post.review_status != "reviewing",
            "share_url": f"https://www.iesdouyin.com/share/video/{post.platform_post_id}/",
            "statistics": {
                "play_count": earned["reads"],
                "digg_count": earned["likes"],
                "comment_count": earned["comments"],
                "share_count": earned["shares"],
                "forward_count": 0,
                "download_count": 0,
            },
        }

    async def video_data(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        try:
            item_ids = (await request.json()).get("item_ids", [])
        except (ValueError, AttributeError):
            item_ids = []
        found = [state.post("douyin", str(i)) for i in item_ids]
        return douyin_answer(
            {"list": [item_view(p) for p in found if p is not None and p.account == issued.account]}
        )

    async def video_list(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        cursor = int(request.query_params.get("cursor", 0))
        count = min(int(request.query_params.get("count", 10)), 20)
        newest_first = state.posts_of("douyin", issued.account)[::-1]
        page = newest_first[cursor : cursor + count]
        return douyin_answer(
            {
                "list": [item_view(p) for p in page],
                "cursor": cursor + len(page),
                "has_more": cursor + len(page) < len(newest_first),
            }
        )

    async def item_base(request: Request) -> JSONResponse:
        issued = authorised(request)
        if isinstance(issued, JSONResponse):
            return issued
        post = state.post("douyin", request.query_params.get("item_id", ""))
        if post is None or post.account != issued.account:
            return douyin_error(2100005, "参数不合法 (unknown item_id)")
        earned = engagement(state, post)
        return douyin_answer(
            {
                "result": {
                    "total_play": earned["reads"],
                    "total_like": earned["likes"],
                    "total_comment": earned["comments"],
                    "total_share": earned["shares"],
                    "avg_play_duration": 9.5,
                }
            }
        )

    return [
        *upload_routes(state, authorised, videos, douyin_answer, douyin_error),
        Route("/oauth/renew_refresh_token/", renew_refresh_token, methods=["POST"]),
        Route("/oauth/access_token/", access_token, methods=["POST"]),
        Route("/oauth/refresh_token/", refresh_token, methods=["POST"]),
        Route("/oauth/userinfo/", userinfo, methods=["POST"]),
        Route("/api/douyin/v1/video/create_video/", create_video, methods=["POST"]),
        Route("/api/douyin/v1/video/video_data/", video_data, methods=["POST"]),
        Route("/api/douyin/v1/video/video_list/", video_list, methods=["GET"]),
        Route("/data/external/item/base/", item_base, methods=["GET"]),
    ]
