"""Sandbox controls under `/_sandbox`: review delay and rejection share, quotas, token expiry."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scheduling_platform.sandbox.state import SandboxState


def _config_view(state: SandboxState) -> dict[str, object]:
    return {
        "review_delay_seconds": state.review_delay_seconds,
        "review_reject_rate": state.review_reject_rate,
        "engagement_age_scale": state.engagement_age_scale,
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

    return [
        Route("/config", config, methods=["GET", "POST"]),
        Route("/tokens/expire", expire, methods=["POST"]),
    ]


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
    quotas = body.get("daily_quotas", {})
    if not isinstance(quotas, dict) or not all(
        isinstance(q, int) and q >= 0 for q in quotas.values()
    ):
        return "daily_quotas must map platforms to whole numbers >= 0"
    return None
