"""`Idempotency-Key` on POSTs: a retry with the same key gets the first answer again (marked
`Idempotent-Replayed: true`) and changes nothing; the same key with another body is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from scheduling_platform.service import idempotency
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import REFUSALS

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="any unique string (a UUID): a retry with it returns the first answer "
        "instead of acting twice; kept for 24 hours",
        max_length=idempotency.MAX_KEY_LENGTH,
    ),
]


def _data(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [_data(item) for item in result]
    return result


def run_once(
    request: Request,
    ctx: ServiceContext,
    key: str | None,
    body: BaseModel | None,
    status_code: int,
    operation: Callable[[], Any],
) -> JSONResponse:
    """Run `operation` unless a request with this key ran already; answer as it did."""
    if key is None:
        return JSONResponse(_data(operation()), status_code)
    payload = json.dumps(body.model_dump(mode="json") if body else None).encode()
    claimed = idempotency.begin(
        ctx, key, idempotency.fingerprint(request.method, request.url.path, payload)
    )
    if isinstance(claimed, idempotency.Replay):
        return JSONResponse(
            claimed.body, claimed.status_code, headers={"Idempotent-Replayed": "true"}
        )
    try:
        data = _data(operation())
    except REFUSALS:
        # Refused before anything changed: the key is free for a corrected retry.
        idempotency.abandon(ctx, claimed)
        raise
    # Any other failure leaves the claim open: its outcome is unknown, so a retry with the same
    # key is told so (409) rather than run a second time.
    idempotency.finish(ctx, claimed, status_code, data)
    return JSONResponse(data, status_code)
