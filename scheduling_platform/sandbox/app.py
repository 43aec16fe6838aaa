"""The platform sandbox: a local HTTP server that speaks the platforms' APIs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from scheduling_platform.sandbox import baijiahao, control, douyin, toutiao, wechat, weibo
from scheduling_platform.sandbox.engagement_profile import EngagementProfile
from scheduling_platform.sandbox.faults import install_faults
from scheduling_platform.sandbox.state import SandboxState


def create_app(
    state: SandboxState | None = None, profile: EngagementProfile | None = None
) -> Starlette:
    """The sandbox app; `profile` (engagement_profile.load_profile) drives the metrics."""
    state = state or SandboxState()
    if profile is not None:
        state.profile = profile

    async def list_posts(_request: Request) -> JSONResponse:
        posts = state.public_posts()
        return JSONResponse({"count": len(posts), "posts": posts})

    async def reset(_request: Request) -> JSONResponse:
        state.reset()
        return JSONResponse({"reset": True})

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "posts": len(state.posts)})

    app = Starlette(
        routes=[
            Route("/_sandbox/posts", list_posts, methods=["GET"]),
            Route("/_sandbox/reset", reset, methods=["POST"]),
            Route("/_sandbox/health", health, methods=["GET"]),
            Mount("/_sandbox", routes=control.routes(state)),
            Mount("/weibo", routes=weibo.routes(state)),
            Mount("/wechat", routes=wechat.routes(state)),
            Mount("/douyin", routes=douyin.routes(state)),
            Mount("/toutiao", routes=toutiao.routes(state)),
            Mount("/baijiahao", routes=baijiahao.routes(state)),
        ]
    )
    app.state.sandbox = state
    install_faults(app)
    return app


def serve(host: str = "127.0.0.1", port: int = 8094, state: SandboxState | None = None) -> None:
    """Serve the sandbox in the foreground until interrupted."""
    uvicorn.run(create_app(state), host=host, port=port, log_level="warning", access_log=False)


@contextmanager
def running_sandbox(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run a sandbox on a background thread; yields its base URL (port 0 picks a free one)."""
    config = uvicorn.Config(
        create_app(), host=host, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandbox", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the sandbox did not start")
        threading.Event().wait(0.02)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
