"""Sandbox controls under `/_sandbox`: review delay and rejection share, quotas, token expiry,
the sandbox's clock, account sizes, and moving a post into the past."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scheduling_platform.sandbox.state import SandboxState


def _config_view(state: SandboxState) -> dict[str, object]:
    return {
        "review_delay_seconds": state.review_delay_seconds,
        "review_reject_rate": state.review_reject_rate,
        "engagement_age_scale": state.engagement_age_scale,
        "weibo_safe_domain": state.weibo_safe_domain,
        "daily_quotas": dict(state.daily_quotas),
        "token_lifetimes_seconds": {
            p: int(life.total_seconds()) for p, life in state.token_lifetimes.items()
        },
    }


def routes(state: SandboxState) -> list[Route]:
    async def config(request: Request) -> JSONResponse:
        """GET shows the settings; POST changes the ones given, after checking them all."""
        if request.method == "POST":
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"error": "the body must be JSON"}, status_code=400)
            problem = _check_config(body)
            if problem:
                return JSONResponse({"error": problem}, status_code=400)
            if "review_delay_seconds" in body:
                state.review_delay_seconds = float(body["review_delay_seconds"])
            if "review_reject_rate" in body:
                state.review_reject_rate = float(body["review_reject_rate"])
            if "engagement_age_scale" in body:
                state.engagement_age_scale = float(body["engagement_age_scale"])
            if "weibo_safe_domain" in body:
                state.weibo_safe_domain = body["weibo_safe_domain"] or None
            for platform, quota in body.get("daily_quotas", {}).items():
                state.daily_quotas[platform] = int(quota)
        return JSONResponse(_config_view(state))

    async def expire(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("platform"), str):
            return JSONResponse({"error": 'give {"platform": ..., "account"?: ...}'}, 400)
        count = state.expire_tokens(body["platform"], body.get("account"))
        return JSONResponse({"expired": count})

    async def clock(request: Request) -> JSONResponse:
        """GET the offset; POST {"advance_seconds": N} moves the sandbox's clock ahead."""
        if request.method == "POST":
            body = await _body(request)
            advance = body.get("advance_seconds") if isinstance(body, dict) else None
            if not isinstance(advance, int | float) or isinstance(advance, bool) or advance < 0:
                return JSONResponse({"error": 'give {"advance_seconds": N >= 0}'}, 400)
            state.clock_offset += timedelta(seconds=float(advance))
        return JSONResponse(
            {"offset_seconds": state.clock_offset.total_seconds(), "now": state.now().isoformat()}
        )

    async def accounts(request: Request) -> JSONResponse:
        """POST {"platform", "account", "followers"} tells the sandbox an account's size."""
        if request.method == "POST":
            body = await _body(request)
            problem = _check_account(body)
            if problem or not isinstance(body, dict):
                return JSONResponse({"error": problem}, 400)
            state.followers[(body["platform"], body["account"])] = int(body["followers"])
        return JSONResponse(
            {
                "accounts": [
                    {"platform": p, "account": a, "followers": n}
                    for (p, a), n in sorted(state.followers.items())
                ]
            }
        )

    async def backdate(request: Request) -> JSONResponse:
        """POST {"platform", "platform_post_id", "seconds"}: the post was sent that much earlier."""
        body = await _body(request)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if (
            not isinstance(body, dict)
            or not isinstance(seconds, int | float)
            or isinstance(seconds, bool)
            or seconds < 0
        ):
            return JSONResponse({"error": 'give {"platform", "platform_post_id", "seconds"}'}, 400)
        post = state.backdate(
            str(body.get("platform")), str(body.get("platform_post_id")), float(seconds)
        )
        if post is None:
            return JSONResponse({"error": "no such post"}, 404)
        return JSONResponse({"received_at": post.received_at})

    return [
        Route("/config", config, methods=["GET", "POST"]),
        Route("/tokens/expire", expire, methods=["POST"]),
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/accounts", accounts, methods=["GET", "POST"]),
        Route("/posts/backdate", backdate, methods=["POST"]),
    ]


async def _body(request: Request) -> object:
    try:
        return await request.json()
    except ValueError:
        return None


def _check_account(body: object) -> str | None:
    if not isinstance(body, dict):
        return 'give {"platform": ..., "account": ..., "followers": N}'
    if not isinstance(body.get("platform"), str) or not isinstance(body.get("account"), str):
        return "platform and account must be strings"
    followers = body.get("followers")
    if not isinstance(followers, int) or isinstance(followers, bool) or followers < 0:
        return "followers must be a whole number >= 0"
    return None


def _check_config(body: object) -> str | None:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    delay = body.get("review_delay_seconds", 0)
    if not isinstance(delay, int | float) or delay < 0:
        return "review_delay_seconds must be a number >= 0"
    rate = body.get("review_reject_rate", 0)
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        return "review_reject_rate must be between 0 and 1"
    scale = body.get("engagement_age_scale", 1)
    if not isinstance(scale, int | float) or scale <= 0:
        return "engagement_age_scale must be a number > 0"
    domain = body.get("weibo_safe_domain")
    if domain is not None and not isinstance(domain, str):
        return "weibo_safe_domain must be a domain name, or null for none"
    quotas = body.get("daily_quotas", {})
    if not isinstance(quotas, dict) or not all(
        isinstance(q, int) and q >= 0 for q in quotas.values()
    ):
        return "daily_quotas must map platforms to whole numbers >= 0"
    return None
