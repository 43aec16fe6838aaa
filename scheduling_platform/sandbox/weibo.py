"""Sandbox Weibo: the OAuth2 and statuses endpoints, with Weibo's error body and limits.

share.json refuses what Weibo refuses: no `rip`, a picture that is not a JPEG/GIF/PNG under
5 MB, and (when a safe domain is configured) a text without a URL of that domain. Statuses
carry `created_at` in Weibo's format; `destroy.json` takes one down.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import filetype
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scheduling_platform.platforms.rules import weibo_length
from scheduling_platform.sandbox.metrics import engagement
from scheduling_platform.sandbox.state import AcceptedPost, IssuedToken, SandboxState

POSTS_PER_HOUR = 30
PIC_LIMIT = 5 * 1024 * 1024  # "under 5 MB"
PIC_TYPES = frozenset({"image/jpeg", "image/gif", "image/png"})
BEIJING = ZoneInfo("Asia/Shanghai")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_URL_HOST = re.compile(r"https?://([^/\s?#:]+)", re.IGNORECASE)


def weibo_time(iso: str) -> str:
    """An ISO time as Weibo writes `created_at`: `Wed Oct 24 23:49:17 +0800 2012`."""
    moment = datetime.fromisoformat(iso).astimezone(BEIJING)
    return (
        f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} "
        f"{moment:%H:%M:%S} {moment:%z} {moment.year}"
    )


def _status(post: AcceptedPost, uid: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": int(post.platform_post_id),
        "idstr": post.platform_post_id,
        "mid": post.platform_post_id,
        "text": post.text,
        "created_at": weibo_time(post.received_at),
    }
    if post.extra.get("media"):
        body["original_pic"] = (
            f"https://wx1.sinaimg.cn/large/{post.extra['media'][0]['sha256']}.jpg"
        )
    if uid is not None:
        body["user"] = {"id": int(uid), "screen_name": post.account}
    return body


def _mentions_domain(text: str, domain: str) -> bool:
    domain = domain.lower().strip(".")
    return any(
        h.lower() == domain or h.lower().endswith(f".{domain}") for h in _URL_HOST.findall(text)
    )


# Requests that publish: sandbox faults (sandbox/faults.py) apply to these only.
PUBLISH_PATHS = frozenset({"/2/statuses/share.json"})
# The picture travels inside share.json: an upload fault is a publish fault here.
UPLOAD_PATHS: frozenset[str] = frozenset()

FAULT_BODIES = {
    "rate_limit": (10023, "User requests out of rate limit!", 403),
    "token_expired": (21327, "expired_token", 401),
    "reject": (20021, "content is illegal!", 400),
}


def weibo_error(request: Request, code: int, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"request": request.url.path, "error_code": code, "error": message}, status_code=status
    )


def weibo_error_plain(code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"request": "/2/statuses/share.json", "error_code": code, "error": message},
        status_code=400,
    )


def fault_response(mode: str) -> Response:
    """Weibo's own answer for a fault mode (see sandbox/faults.py)."""
    code, message, status = FAULT_BODIES[mode]
    return JSONResponse(
        {"request": "/2/statuses/share.json", "error_code": code, "error": message},
        status_code=status,
    )


def routes(state: SandboxState) -> list[Route]:
    async def authorised(
        request: Request, form: Mapping[str, str | UploadFile]
    ) -> IssuedToken | JSONResponse:
        token = str(form.get("access_token") or request.query_params.get("access_token", ""))
        issued = state.token("weibo", token)
        if issued is None:
            return weibo_error(request, 21332, "invalid_access_token")
        if issued.expires_at <= state.now():
            return weibo_error(request, 21327, "expired_token")
        return issued

    async def access_token(request: Request) -> JSONResponse:
        form = await request.form()
        code = str(form.get("code", ""))
        if not code.startswith("sandbox-"):
            return weibo_error(request, 21325, "invalid authorization code")
        token, issued = state.issue_token("weibo", code.removeprefix("sandbox-"))
        lifetime = int((issued.expires_at - state.now()).total_seconds())
        return JSONResponse(
            {
                "access_token": token,
                "expires_in": lifetime,
                "remind_in": lifetime,
                "uid": issued.uid,
            }
        )

    async def token_info(request: Request) -> JSONResponse:
        issued = await authorised(request, await request.form())
        if isinstance(issued, JSONResponse):
            return issued
        return JSONResponse(
            {
                "uid": issued.uid,
                "appkey": "sandbox",
                "scope": "all",
                "create_at": int(state.now().timestamp()),
                "expire_in": int((issued.expires_at - state.now()).total_seconds()),
            }
        )

    async def picture(form: FormData) -> dict[str, Any] | JSONResponse | None:
        pic = form.get("pic")
        if pic is None:
            return None
        if not isinstance(pic, UploadFile):
            return weibo_error_plain(10017, "parameter (pic)'s value invalid: send a file")
        data = await pic.read()
        guess = filetype.guess(data[:8192])
        if guess is None or guess.mime not in PIC_TYPES:
            return weibo_error_plain(20005, "Unsupported image type, only suport JPG, GIF, PNG!")
        if len(data) >= PIC_LIMIT:
            return weibo_error_plain(20006, "Image size too large.")
        return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "mime": guess.mime}

    async def share(request: Request) -> JSONResponse:
        form = await request.form()
        issued = await authorised(request, form)
        if isinstance(issued, JSONResponse):
            return issued
        text = str(form.get("status", ""))
        if not text.strip():
            return weibo_error(request, 10016, "miss required parameter (status)")
        rip = str(form.get("rip", ""))
        if not rip:
            return weibo_error(request, 10016, "miss required parameter (rip)")
        try:
            ipaddress.ip_address(rip)
        except ValueError:
            return weibo_error(request, 10017, "parameter (rip)'s value invalid")
        if weibo_length(text) > 140:
            return weibo_error(request, 20012, "Text too long, please input text less than 140")
        domain = state.weibo_safe_domain
        if domain and not _mentions_domain(text, domain):
            return weibo_error(
                request, 10017, f"parameter (status)'s value invalid: no URL of {domain}"
            )
        pic = await picture(form)
        if isinstance(pic, JSONResponse):
            return pic
        history = state.posts_of("weibo", issued.account)
        if history and history[-1].text == text:
            return weibo_error(request, 20019, "repeat content!")
        hour_ago = (state.now() - timedelta(hours=1)).isoformat()
        if sum(1 for p in history if p.received_at > hour_ago) >= POSTS_PER_HOUR:
            return weibo_error(request, 10023, "User requests out of rate limit!", status=403)
        extra: dict[str, Any] = {"rip": rip, "content_type": "image" if pic else "text"}
        extra["media"] = [pic] if pic else []
        post = state.accept("weibo", issued.account, text, extra=extra)
        return JSONResponse(_status(post, issued.uid))

    async def destroy(request: Request) -> JSONResponse:
        form = await request.form()
        issued = await authorised(request, form)
        if isinstance(issued, JSONResponse):
            return issued
        post = state.post("weibo", str(form.get("id", "")))
        if post is None or post.account != issued.account:
            return weibo_error(request, 20101, "Target weibo does not exist!")
        state.delete(post)
        return JSONResponse(_status(post, issued.uid))

    async def get_uid(request: Request) -> JSONResponse:
        issued = await authorised(request, {})
        if isinstance(issued, JSONResponse):
            return issued
        return JSONResponse({"uid": int(issued.uid)})

    async def counts(request: Request) -> JSONResponse:
        issued = await authorised(request, {})
        if isinstance(issued, JSONResponse):
            return issued
        ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        return JSONResponse(
            [
                {
                    "id": int(post.platform_post_id),
                    "comments": earned["comments"],
                    "reposts": earned["shares"],
                    "attitudes": earned["likes"],
                }
                for post in filter(None, (state.post("weibo", i) for i in ids))
                for earned in (engagement(state, post),)
            ]
        )

    async def user_timeline(request: Request) -> JSONResponse:
        issued = await authorised(request, {})
        if isinstance(issued, JSONResponse):
            return issued
        # Newest first, `count` a page (at most 100, as on Weibo); total_number is the
        # account's whole timeline, so a client can tell whether it has seen everything.
        count = min(int(request.query_params.get("count", 20)), 100)
        page = max(int(request.query_params.get("page", 1)), 1)
        timeline = state.posts_of("weibo", issued.account)[::-1]
        recent = timeline[(page - 1) * count : page * count]
        return JSONResponse(
            {"statuses": [_status(p) for p in recent], "total_number": len(timeline)}
        )

    return [
        Route("/oauth2/access_token", access_token, methods=["POST"]),
        Route("/oauth2/get_token_info", token_info, methods=["POST"]),
        Route("/2/statuses/share.json", share, methods=["POST"]),
        Route("/2/statuses/count.json", counts, methods=["GET"]),
        Route("/2/statuses/user_timeline.json", user_timeline, methods=["GET"]),
        Route("/2/statuses/destroy.json", destroy, methods=["POST"]),
        Route("/2/account/get_uid.json", get_uid, methods=["GET"]),
    ]
