"""Idempotency keys: a POST retried with the same key gets the first answer, never a second
effect. Records are per workspace and kept for a day."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import ConflictError
from scheduling_platform.timeutil import utcnow

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyMismatchError(ValueError):
    """The key was used before with a different request."""


@dataclass(frozen=True)
class Replay:
    """The answer the first request with this key got."""

    status_code: int
    body: Any


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and body, whitespace and key order
    aside when the body is JSON."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def begin(ctx: ServiceContext, key: str, request_fingerprint: str) -> int | Replay:
    """Claim `key` for this request (its record id), or the earlier answer to replay."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValueError(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable ASCII characters")
    for _ in range(2):
        record_id, earlier = ctx.store.claim_idempotency_key(
            ctx.workspace_id, key, request_fingerprint
        )
        if earlier is None:
            return record_id
        if earlier.created_at >= utcnow() - RETENTION:
            break
        ctx.store.release_idempotency_key(record_id)  # expired: the key is free again
    assert earlier is not None
    if earlier.fingerprint != request_fingerprint:
        raise IdempotencyMismatchError(
            f"Idempotency-Key {key!r} was used for a different request; "
            "a new request needs a new key"
        )
    if earlier.status_code is None or earlier.response is None:
        raise ConflictError(
            f"the request with Idempotency-Key {key!r} has not finished (or was interrupted, "
            "with its outcome unknown); look for its result before sending it with a new key"
        )
    return Replay(earlier.status_code, json.loads(earlier.response))


def finish(ctx: ServiceContext, record_id: int, status_code: int, body: Any) -> None:
    """Keep the answer, for retries with the same key."""
    ctx.store.complete_idempotency_key(
        record_id, status_code, json.dumps(body, ensure_ascii=False, default=str)
    )


def abandon(ctx: ServiceContext, record_id: int) -> None:
    """The request was refused or failed before it changed anything: free its key."""
    ctx.store.release_idempotency_key(record_id)


def prune(ctx: ServiceContext) -> int:
    return ctx.store.prune_idempotency_records(utcnow() - RETENTION)
