"""The model registry's rows: model versions, their status, and the pickled artifacts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from scheduling_platform.lifecycle import ModelStatus
from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.store.schema import models
from scheduling_platform.timeutil import utcnow


@dataclass(frozen=True)
class ModelEntry:
    """A registered model version, without its artifact."""

    version: str
    status: ModelStatus
    candidate: str
    rows: int
    created_at: datetime
    promoted_at: datetime | None
    summary: dict[str, Any]
    detail: str | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> ModelEntry:
        return cls(
            version=row.version,
            status=ModelStatus(row.status),
            candidate=row.candidate,
            rows=row.rows,
            created_at=row.created_at,
            promoted_at=row.promoted_at,
            summary=json.loads(row.summary),
            detail=row.detail,
        )


_ENTRY_COLUMNS = [c for c in models.c if c.name != "artifact"]


class ModelQueries(StoreBase):
    """Reads and writes of the `models` table (the registry's logic is in intelligence/)."""

    def insert_model(
        self,
        *,
        version: str,
        created_at: datetime,
        candidate: str,
        rows: int,
        summary: dict[str, Any],
        artifact: bytes,
        detail: str | None,
    ) -> None:
        """Keep a new candidate version; a version already kept is left as it is."""
        with self.engine.begin() as conn:
            found = conn.execute(select(models.c.version).where(models.c.version == version))
            if found.first() is None:
                conn.execute(
                    insert(models).values(
                        version=version,
                        created_at=created_at,
                        status=ModelStatus.CANDIDATE.value,
                        candidate=candidate,
                        rows=rows,
                        summary=json.dumps(summary),
                        artifact=artifact,
                        detail=detail,
                    )
                )

    def model_entry(self, version: str) -> ModelEntry:
        with self.engine.connect() as conn:
            row = conn.execute(select(*_ENTRY_COLUMNS).where(models.c.version == version)).first()
        if row is None:
            raise NotFoundError(f"no model version {version!r}; see `model list`")
        return ModelEntry.from_row(row)

    def model_entries(self) -> list[ModelEntry]:
        query = select(*_ENTRY_COLUMNS).order_by(models.c.created_at.desc())
        with self.engine.connect() as conn:
            return [ModelEntry.from_row(r) for r in conn.execute(query)]

    def model_artifact(self, version: str) -> bytes:
        with self.engine.connect() as conn:
            blob = conn.execute(
                select(models.c.artifact).where(models.c.version == version)
            ).scalar_one_or_none()
        if blob is None:
            raise NotFoundError(f"no model version {version!r}; see `model list`")
        return bytes(blob)

    def promoted_version(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(models.c.version).where(models.c.status == ModelStatus.PROMOTED.value)
            ).scalar_one_or_none()

    def last_retired_version(self) -> str | None:
        """The version retired most recently after being in use (what a rollback restores)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(models.c.version)
                .where(
                    models.c.status == ModelStatus.RETIRED.value,
                    models.c.promoted_at.is_not(None),
                )
                .order_by(models.c.promoted_at.desc())
                .limit(1)
            ).scalar_one_or_none()

    def promote_model(self, version: str, *, was: ModelStatus, actor: str) -> None:
        """Put `version` in use and retire the one in use, in one transaction, audited."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                update(models)
                .where(models.c.status == ModelStatus.PROMOTED.value)
                .values(status=ModelStatus.RETIRED.value)
            )
            conn.execute(
                update(models)
                .where(models.c.version == version)
                .values(
                    status=ModelStatus.PROMOTED.value,
                    promoted_at=now,
                    detail=f"promoted by {actor}",
                )
            )
            entry = AuditEntry(actor, detail=f"model {version} promoted (was {was})")
            write_audit(conn, now, [entry])

    def set_model_status(self, version: str, status: ModelStatus, *, detail: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(models)
                .where(models.c.version == version)
                .values(status=status.value, detail=detail)
            )
