"""API keys as stored: a public id, a keyed hash of the whole key, scopes, a rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.store.schema import api_keys
from scheduling_platform.timeutil import utcnow


@dataclass(frozen=True)
class ApiKeyRecord:
    """An API key's row; the key itself is never stored, only its HMAC."""

    id: int
    workspace_id: int
    user_id: int | None
    public_id: str
    name: str
    key_hash: str
    hash_secret_id: str
    scopes: tuple[str, ...]
    rate_limit: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> ApiKeyRecord:
        data = dict(row._mapping)
        data["scopes"] = tuple(s for s in data["scopes"].split(",") if s)
        return cls(**data)


class ApiKeyQueries(StoreBase):
    """Reads and writes of the `api_keys` table, each change with its audit row."""

    def insert_api_key(
        self,
        *,
        workspace_id: int,
        user_id: int | None,
        public_id: str,
        name: str,
        key_hash: str,
        hash_secret_id: str,
        scopes: tuple[str, ...],
        rate_limit: str,
        actor: str,
    ) -> ApiKeyRecord:
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                insert(api_keys)
                .values(
                    workspace_id=workspace_id,
                    user_id=user_id,
                    public_id=public_id,
                    name=name,
                    key_hash=key_hash,
                    hash_secret_id=hash_secret_id,
                    scopes=",".join(scopes),
                    rate_limit=rate_limit,
                    created_at=now,
                )
                .returning(*api_keys.c)
            ).one()
            detail = f"API key {public_id} ({name}) created: scopes {','.join(scopes)}"
            write_audit(conn, now, [AuditEntry(actor, detail=detail, workspace_id=workspace_id)])
        return ApiKeyRecord.from_row(row)

    def api_key_by_public_id(self, public_id: str) -> ApiKeyRecord | None:
        with self.reading() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.public_id == public_id)).first()
        return ApiKeyRecord.from_row(row) if row else None

    def list_api_keys(self, workspace_id: int) -> list[ApiKeyRecord]:
        query = (
            select(api_keys).where(api_keys.c.workspace_id == workspace_id).order_by(api_keys.c.id)
        )
        with self.reading() as conn:
            return [ApiKeyRecord.from_row(r) for r in conn.execute(query)]

    def revoke_api_key(self, workspace_id: int, public_id: str, *, actor: str) -> ApiKeyRecord:
        """Revoke the workspace's key (at once, for every API worker: it is read per request)."""
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                update(api_keys)
                .where(api_keys.c.workspace_id == workspace_id, api_keys.c.public_id == public_id)
                .values(revoked_at=now)
                .returning(*api_keys.c)
            ).first()
            if row is None:
                raise NotFoundError(f"no API key {public_id} in this workspace")
            entry = AuditEntry(
                actor, detail=f"API key {public_id} revoked", workspace_id=workspace_id
            )
            write_audit(conn, now, [entry])
        return ApiKeyRecord.from_row(row)

    def mark_api_key_used(
        self, key_id: int, at: datetime, *, rehashed: tuple[str, str] | None = None
    ) -> None:
        """Record the last use; `rehashed` (hash, secret id) moves the key to the new secret."""
        values: dict[str, Any] = {"last_used_at": at}
        if rehashed is not None:
            values.update(key_hash=rehashed[0], hash_secret_id=rehashed[1])
        with self.engine.begin() as conn:
            conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(**values))
