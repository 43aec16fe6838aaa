"""API key operations: create (shown once), list, revoke, rotate the secret; and authenticating
a request's key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import limits
from pydantic import BaseModel, Field

from scheduling_platform.keyhash import issue_key, public_id_of
from scheduling_platform.redaction import register_secrets
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import AuthenticationError
from scheduling_platform.service.views import Timestamp, View
from scheduling_platform.store.api_keys import ApiKeyRecord
from scheduling_platform.timeutil import utcnow

# As the original service had them; `admin` holds every other scope.
SCOPES = ("read", "write", "publish", "manage", "admin")
# Last use is recorded to the minute: a write per request would serialise every request on
# SQLite's one writer.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class CreateApiKeyRequest(BaseModel):
    scopes: list[str]
    name: str = "api key"
    rate_limit: str | None = None  # limits notation ("1000/hour"); None: the settings' default
    user: str | None = None  # a user of the workspace the key acts for


class ApiKeyView(View):
    """A key as listed: everything but the key and its hash."""

    public_id: str
    workspace_id: int
    user_id: int | None
    name: str
    scopes: list[str]
    rate_limit: str
    hash_secret_id: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None

    @classmethod
    def of(cls, record: ApiKeyRecord) -> ApiKeyView:
        return cls(
            public_id=record.public_id,
            workspace_id=record.workspace_id,
            user_id=record.user_id,
            name=record.name,
            scopes=list(record.scopes),
            rate_limit=record.rate_limit,
            hash_secret_id=record.hash_secret_id,
            created_at=record.created_at,
            last_used_at=record.last_used_at,
            revoked_at=record.revoked_at,
        )


class CreatedApiKey(View):
    key: str = Field(description="the key itself: shown this once, stored only as a hash")
    api_key: ApiKeyView


@dataclass(frozen=True)
class Caller:
    """Whom a request's key speaks for."""

    workspace_id: int
    api_key_id: int
    user_id: int | None
    public_id: str
    scopes: frozenset[str]
    rate_limit: str

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def _checked_scopes(scopes: list[str]) -> tuple[str, ...]:
    wanted = [s.strip() for s in scopes if s.strip()]
    if not wanted:
        raise ValueError(f"name at least one scope of {', '.join(SCOPES)}")
    unknown = sorted(set(wanted) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope {', '.join(unknown)}; choose from {', '.join(SCOPES)}")
    return tuple(s for s in SCOPES if s in wanted)


def checked_rate_limit(text: str) -> str:
    """`text` if the limiter understands it ("1000/hour", "10 per minute")."""
    try:
        limits.parse(text)
    except ValueError:
        raise ValueError(
            f"rate limit {text!r} is not like 1000/hour (N per second|minute|hour|day)"
        ) from None
    return text


def create_api_key(ctx: ServiceContext, request: CreateApiKeyRequest) -> CreatedApiKey:
    """A new key of the workspace; the answer holds the key, which is never shown again."""
    scopes = _checked_scopes(request.scopes)
    rate_limit = checked_rate_limit(request.rate_limit or ctx.settings.rate_limit_default)
    if not request.name.strip():
        raise ValueError("the key's name is empty")
    user_id = ctx.store.user_named(ctx.workspace_id, request.user).id if request.user else None
    issued = issue_key()
    key_hash, secret_id = ctx.hasher.hash(issued.key)
    record = ctx.store.insert_api_key(
        workspace_id=ctx.workspace_id,
        user_id=user_id,
        public_id=issued.public_id,
        name=request.name.strip(),
        key_hash=key_hash,
        hash_secret_id=secret_id,
        scopes=scopes,
        rate_limit=rate_limit,
        actor=ctx.actor,
    )
    return CreatedApiKey(key=issued.key, api_key=ApiKeyView.of(record))


def list_api_keys(ctx: ServiceContext) -> list[ApiKeyView]:
    return [ApiKeyView.of(r) for r in ctx.store.list_api_keys(ctx.workspace_id)]


def revoke_api_key(ctx: ServiceContext, public_id: str) -> ApiKeyView:
    return ApiKeyView.of(ctx.store.revoke_api_key(ctx.workspace_id, public_id, actor=ctx.actor))


def rotate_api_key_secret(ctx: ServiceContext) -> str:
    """A new primary server secret; keys move to it as they are next used. Returns its id."""
    return ctx.hasher.rotate()


def authenticate(ctx: ServiceContext, presented: str) -> Caller:
    """The caller a presented key speaks for, or AuthenticationError (one message for every
    reason, so a guesser learns nothing)."""
    public_id = public_id_of(presented)
    record = ctx.store.api_key_by_public_id(public_id) if public_id else None
    if (
        record is None
        or record.revoked_at is not None
        or not ctx.hasher.verify(presented, record.key_hash, record.hash_secret_id)
    ):
        raise AuthenticationError("the API key is missing, unknown or revoked")
    register_secrets([presented])
    now = utcnow()
    rehashed = None
    if record.hash_secret_id != ctx.hasher.primary_id:
        rehashed = ctx.hasher.hash(presented)  # the secret was rotated: move the key along
    if rehashed or record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        ctx.store.mark_api_key_used(record.id, now, rehashed=rehashed)
    return Caller(
        workspace_id=record.workspace_id,
        api_key_id=record.id,
        user_id=record.user_id,
        public_id=record.public_id,
        scopes=frozenset(record.scopes),
        rate_limit=record.rate_limit,
    )
