"""Serving the REST API in the foreground: `scheduling-platform api`, and `up`'s API process.

uvicorn imports the app factory by name, so several worker processes can each build their
own app (they share rate limits through Redis when SCHEDULING_REDIS_URL is set); with more than
one, each listens on a socket of its own (runtime/api_workers.py).
"""

from __future__ import annotations

import sys

import uvicorn

from scheduling_platform.runtime.api_workers import (
    APP_FACTORY,
    reuse_port_supported,
    serve_workers,
)
from scheduling_platform.runtime.dagster_home import ensure_dagster_home
from scheduling_platform.settings import Settings


def serve_api(settings: Settings, *, workers: int = 1) -> None:
    """Serve until interrupted on SCHEDULING_API_HOST:SCHEDULING_API_PORT."""
    ensure_dagster_home(settings)  # the API reads the Dagster instance's runs there
    if workers > 1 and not settings.redis_url:
        print(
            f"warning: {workers} workers without SCHEDULING_REDIS_URL count each key's "
            "requests apart, so a key may make up to that many times its limit",
            file=sys.stderr,
            flush=True,
        )
    if workers > 1 and reuse_port_supported():
        sys.exit(serve_workers(settings.api_host, settings.api_port, workers))
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        workers=workers,
        log_level="info",
        access_log=True,
    )
