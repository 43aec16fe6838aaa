"""Errors as RFC 9457 problem details, with the messages the CLI gives for the same input."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.status import HTTP_422_UNPROCESSABLE_CONTENT

from scheduling_platform.lifecycle import InvalidTransitionError
from scheduling_platform.platforms.base import ErrorKind, PlatformError
from scheduling_platform.redaction import redact
from scheduling_platform.service.errors import (
    REFUSALS,
    AuthenticationError,
    ConflictError,
    ConflictRefusal,
    NotCancelledError,
    UnavailableError,
)
from scheduling_platform.store.accounts import DuplicateAccountError
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.store.workspaces import DuplicateNameError
from scheduling_platform.vault import VaultError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None  # request validation: each field's complaint
    conflicts: list[dict[str, Any]] | None = None  # a post refused for its conflicts (409)
    outcome: str | None = None  # a cancel that did not cancel (409): published, sending, held
    task: dict[str, Any] | None = None  # ... and the task as it now stands


class ScopeError(Exception):
    """The key lacks the scope an operation needs (403)."""


class RateLimitedError(Exception):
    """The key spent its requests for the window (429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def problem(
    status: int,
    detail: str,
    request: Request | None = None,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    conflicts: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = Problem(
        title=PHRASES.get(status, "Error"),
        status=status,
        detail=redact(detail),
        instance=request.url.path if request else None,
        errors=errors,
        conflicts=conflicts,
        **extra,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status, headers=headers, media_type=MEDIA_TYPE
    )


def refusal_status(exc: Exception) -> int:
    """The status a refusal answers with: 404 not found, 409 a state or a name in the way,
    422 bad input; a platform that cannot be reached or keys this server lacks are 503."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(
        exc,
        InvalidTransitionError
        | ConflictError
        | ConflictRefusal
        | DuplicateAccountError
        | DuplicateNameError,
    ):
        return 409
    if isinstance(exc, PlatformError):
        return 503 if exc.kind is ErrorKind.RETRYABLE else 422
    if isinstance(exc, VaultError | UnavailableError):
        return 503
    return 422


def install_problem_handlers(app: FastAPI) -> None:
    async def refused(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, ConflictRefusal):  # the conflicts, each with its suggested fix
            return problem(409, str(exc), request, conflicts=[c.data() for c in exc.conflicts])
        if isinstance(exc, NotCancelledError):  # what it is instead, and the task as it stands
            return problem(409, str(exc), request, outcome=exc.outcome, task=exc.task.data())
        return problem(refusal_status(exc), str(exc), request)

    async def unauthenticated(request: Request, exc: Exception) -> JSONResponse:
        return problem(401, str(exc), request, headers={"WWW-Authenticate": "Bearer"})

    async def forbidden(request: Request, exc: Exception) -> JSONResponse:
        return problem(403, str(exc), request)

    async def limited(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RateLimitedError)
        return problem(429, str(exc), request, headers={"Retry-After": str(exc.retry_after)})

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        return problem(HTTP_422_UNPROCESSABLE_CONTENT, summary, request, errors=errors)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem(exc.status_code, str(exc.detail), request, headers=exc.headers)

    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        # The log has the traceback (redacted by the log-record factory); the client only
        # learns that it was our fault.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "the server failed on this request; it is logged", request)

    for refusal in REFUSALS:
        app.add_exception_handler(refusal, refused)
    app.add_exception_handler(AuthenticationError, unauthenticated)
    app.add_exception_handler(ScopeError, forbidden)
    app.add_exception_handler(RateLimitedError, limited)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crashed)
