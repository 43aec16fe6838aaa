"""Sandbox Weibo: the OAuth2 and statuses endpoints, with Weibo's error body and limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scheduling_platform.platforms.rules import weibo_length
from scheduling_platform.sandbox.metrics import engagement
from scheduling_platform.sandbox.state import IssuedToken, SandboxState
from scheduling_platform.timeutil import utcnow

POSTS_PER_HOUR = 30

# Requests that publish: sandbox faults (sandbox/faults.py) apply to these only.
PUBLISH_PATHS = frozenset({"/2/statuses/share.json"})

FAULT_BODIES = {
    "rate_limit": (10023, "User requests out of rate limit!", 403),
    "token_expired": (21327, "expired_token", 401),
    "reject": (20021, "content is illegal!", 400),
}


def weibo_error(request: Request, code: int, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"request": request.url.path, "error_code": code, "error": message}, status_code=status
    )


def fault_response(mode: str) -> Response:
    """Weibo's own answer for a fault mode (see sandbox/faults.py)."""
    code, message, status = FAULT_BODIES[mode]
    return JSONResponse(
        {"request": "/2/statuses/share.json", "error_code": code, "error": message},
        status_code=status,
    )


def routes(state: SandboxState) -> list[Route]:
    async def authorised(request: Request, form: Any) -> IssuedToken | JSONResponse:
        token = form.get("access_token") or request.query_params.get("access_token", "")
        issued = state.token("weibo", token)
        if issued is None:
            return weibo_error(request, 21332, "invalid_access_token")
        if issued.expires_at <= utcnow():
            return weibo_error(request, 21327, "expired_token")
        return issued

    async def access_token(request: Request) -> JSONResponse:
        form = await request.form()
        code = str(form.get("code", ""))
        if not code.startswith("sandbox-"):
            return weibo_error(request, 21325, "invalid authorization code")
        token, issued = state.issue_token("weibo", code.removeprefix("sandbox-"))
        lifetime = int((issued.expires_at - utcnow()).total_seconds())
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
                "create_at": int(utcnow().timestamp()),
                "expire_in": int((issued.expires_at - utcnow()).total_seconds()),
            }
        )

    async def share(request: Request) -> JSONResponse:
        form = await request.form()
        issued = await authorised(request, form)
        if isinstance(issued, JSONResponse):
            return issued
        text = str(form.get("status", ""))
        if not text.strip():
            return weibo_error(request, 10016, "miss required parameter (status)")
        if weibo_length(text) > 140:
            return weibo_error(request, 20012, "Text too long, please input text less than 140")
        history = state.posts_of("weibo", issued.account)
        if history and history[-1].text == text:
            return weibo_error(request, 20019, "repeat content!")
        hour_ago = (utcnow() - timedelta(hours=1)).isoformat()
        if sum(1 for p in history if p.received_at > hour_ago) >= POSTS_PER_HOUR:
            return weibo_error(request, 10023, "User requests out of rate limit!", status=403)
        post = state.accept("weibo", issued.account, text)
        return JSONResponse(
            {
                "id": int(post.platform_post_id),
                "idstr": post.platform_post_id,
                "mid": post.platform_post_id,
                "text": text,
                "created_at": post.received_at,
                "user": {"id": int(issued.uid), "screen_name": issued.account},
            }
        )

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
            {
                "statuses": [
                    {
                        "id": int(p.platform_post_id),
                        "idstr": p.platform_post_id,
                        "text": p.text,
                        "created_at": p.received_at,
                    }
                    for p in recent
                ],
                "total_number": len(timeline),
            }
        )

    return [
        Route("/oauth2/access_token", access_token, methods=["POST"]),
        Route("/oauth2/get_token_info", token_info, methods=["POST"]),
        Route("/2/statuses/share.json", share, methods=["POST"]),
        Route("/2/statuses/count.json", counts, methods=["GET"]),
        Route("/2/statuses/user_timeline.json", user_timeline, methods=["GET"]),
    ]
