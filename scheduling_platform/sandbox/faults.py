"""Fault injection: the sandbox fails publish requests the way the platforms do, on command.

`POST /_sandbox/faults {"platform": "weibo" | "*", "mode": ..., "rate": 0.3}` adds a fault
(several may be active; a second one for the same platform and mode replaces the first),
`GET` lists them with how often each fired, `DELETE` clears them (`?platform=` for one).

Faults touch only publish requests, or with `"on": "upload"` only media uploads: each sandbox
platform module names its publish paths in `PUBLISH_PATHS` (and uploads in `UPLOAD_PATHS`) and
answers `rate_limit`, `token_expired` and `reject` in its own error shape
with `fault_response(mode)`. `http_500` and `timeout` look the same on every platform.
`accept_then_error` lets the real handler accept and record the post, then answers HTTP 500
(or, with `"after": "timeout"`, nothing in time): the case that makes schedulers post twice.
"""

from __future__ import annotations

import asyncio
import importlib
import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from types import ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduling_platform.platforms.base import PLATFORMS

MODES = ("http_500", "timeout", "rate_limit", "token_expired", "reject", "accept_then_error")
PLATFORM_SHAPED = frozenset({"rate_limit", "token_expired", "reject"})
AFTER_ACCEPT = ("http_500", "timeout")
# Longer than any client timeout we configure; tests set a short one per fault.
DEFAULT_TIMEOUT_DELAY_SECONDS = 30.0
MAX_DELAY_SECONDS = 600.0
_FIELDS = {"platform", "mode", "rate", "after", "delay_seconds", "seed", "on"}
TARGETS = ("publish", "upload")


@dataclass(frozen=True)
class Fault:
    platform: str  # a platform name or "*"
    mode: str
    rate: float = 1.0
    after: str = "http_500"  # accept_then_error only: what the client gets after the accept
    delay_seconds: float = DEFAULT_TIMEOUT_DELAY_SECONDS  # timeout modes: how long to hang
    on: str = "publish"  # which requests: "publish", or "upload" (media uploads)

    def applies_to(self, platform: str, target: str = "publish") -> bool:
        return self.platform in ("*", platform) and self.on == target


def fault_capable_modules() -> dict[str, ModuleType]:
    """The sandbox platform modules that expose `PUBLISH_PATHS` and `fault_response`."""
    modules = {}
    for platform in PLATFORMS:
        try:
            module = importlib.import_module(f"scheduling_platform.sandbox.{platform}")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "PUBLISH_PATHS") and hasattr(module, "fault_response"):
            modules[platform] = module
    return modules


class FaultInjector:
    """The active faults and a seedable RNG deciding which request each one hits."""

    def __init__(self, seed: int | None = None) -> None:
        self.faults: list[Fault] = []
        self.fired: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, fault: Fault, seed: int | None = None) -> None:
        with self._lock:
            if seed is not None:
                self._random.seed(seed)
            key = (fault.platform, fault.mode, fault.on)
            self.faults = [f for f in self.faults if (f.platform, f.mode, f.on) != key] + [fault]

    def clear(self, platform: str | None = None) -> int:
        with self._lock:
            kept = [f for f in self.faults if platform is not None and f.platform != platform]
            cleared = len(self.faults) - len(kept)
            self.faults = kept
            return cleared

    def pick(self, platform: str, target: str = "publish") -> Fault | None:
        """The fault that hits this request, if any: each active one draws in turn."""
        with self._lock:
            for fault in self.faults:
                if fault.applies_to(platform, target) and self._random.random() < fault.rate:
                    suffix = "" if target == "publish" else f":{target}"
                    self.fired[f"{platform}:{fault.mode}{suffix}"] += 1
                    return fault
        return None

    def view(self) -> dict[str, Any]:
        with self._lock:
            return {"faults": [asdict(f) for f in self.faults], "fired": dict(self.fired)}


def parse_fault(body: object, modules: dict[str, ModuleType]) -> tuple[Fault, int | None]:
    """A fault from a request body; ValueError with a clear message when it is wrong."""
    if not isinstance(body, dict):
        raise ValueError('the body must be a JSON object like {"platform": "weibo", ...}')
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {unknown}; allowed: {sorted(_FIELDS)}")
    platform = body.get("platform")
    if platform != "*" and platform not in modules:
        if platform in PLATFORMS:
            raise ValueError(f"the sandbox cannot inject faults on {platform} yet")
        raise ValueError(f'platform must be "*" or one of {sorted(modules)}, not {platform!r}')
    mode = body.get("mode")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, not {mode!r}")
    rate = _number(body, "rate", 1.0)
    if not 0 < rate <= 1:
        raise ValueError(f"rate must be in (0, 1], not {rate}")
    after = body.get("after", "http_500")
    if after not in AFTER_ACCEPT:
        raise ValueError(f"after must be one of {list(AFTER_ACCEPT)}, not {after!r}")
    if "after" in body and mode != "accept_then_error":
        raise ValueError('"after" applies to mode accept_then_error only')
    delay = _number(body, "delay_seconds", DEFAULT_TIMEOUT_DELAY_SECONDS)
    if not 0 <= delay <= MAX_DELAY_SECONDS:
        raise ValueError(f"delay_seconds must be between 0 and {MAX_DELAY_SECONDS:.0f}")
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ValueError("seed must be an integer")
    on = body.get("on", "publish")
    if on not in TARGETS:
        raise ValueError(f"on must be one of {list(TARGETS)}, not {on!r}")
    return Fault(platform, mode, rate, after, delay, on), seed


def _number(body: dict[str, Any], name: str, default: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, not {value!r}")
    return float(value)


def _split(path: str) -> tuple[str, str]:
    platform, _, rest = path.lstrip("/").partition("/")
    return platform, "/" + rest


class FaultMiddleware:
    """ASGI middleware: lets a publish request through, or fails it as an active fault says."""

    def __init__(
        self, app: ASGIApp, injector: FaultInjector, modules: dict[str, ModuleType]
    ) -> None:
        self.app = app
        self.injector = injector
        self.modules = modules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self.injector.faults:
            await self.app(scope, receive, send)
            return
        platform, rest = _split(scope["path"])
        module = self.modules.get(platform)
        fault = None
        if module is not None and rest in module.PUBLISH_PATHS:
            fault = self.injector.pick(platform)
        elif module is not None and rest in getattr(module, "UPLOAD_PATHS", ()):
            fault = self.injector.pick(platform, "upload")
        if fault is None or module is None:
            await self.app(scope, receive, send)
            return
        response = await self._fail(fault, module, scope, receive)
        await response(scope, receive, send)

    async def _fail(
        self, fault: Fault, module: ModuleType, scope: Scope, receive: Receive
    ) -> Response:
        mode = fault.mode
        if mode == "accept_then_error":

            async def swallow(_message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)  # the post is accepted and recorded
            mode = fault.after
        if mode == "timeout":
            await asyncio.sleep(fault.delay_seconds)
            return PlainTextResponse("Gateway Timeout", status_code=504)
        if mode == "http_500":
            return PlainTextResponse("Internal Server Error", status_code=500)
        return module.fault_response(mode)


def install_faults(app: Starlette, seed: int | None = None) -> FaultInjector:
    """Add the `/_sandbox/faults` routes and the middleware to a sandbox app."""
    injector = FaultInjector(seed)
    modules = fault_capable_modules()

    async def faults(request: Request) -> JSONResponse:
        if request.method == "GET":
            return JSONResponse(injector.view())
        if request.method == "DELETE":
            platform = request.query_params.get("platform")
            return JSONResponse({"cleared": injector.clear(platform), **injector.view()})
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, status_code=400)
        try:
            fault, seed = parse_fault(body, modules)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        injector.add(fault, seed)
        return JSONResponse(injector.view())

    # First: a `Mount("/_sandbox", ...)` further down would take the path otherwise.
    app.router.routes.insert(
        0, Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"])
    )
    app.add_middleware(FaultMiddleware, injector=injector, modules=modules)
    app.state.faults = injector
    return injector
