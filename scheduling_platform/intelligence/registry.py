"""The model registry in the task store: which model versions exist and which one is in use.

Exactly one version is `promoted` (in use) at a time; promoting another retires it, and
`rollback` brings back the version retired last. A version whose checks failed is `rejected`
and can only be promoted by name, on purpose. Models are stored whole (pickled) in the row, so
every process that reads the store uses the same model, with no file to go stale.
"""

from __future__ import annotations

import json
import pickle
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.store.records import NotFoundError, Task
from scheduling_platform.store.schema import audit_log, models, tasks
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

CANDIDATE, PROMOTED, RETIRED, REJECTED, ROLLED_BACK = (
    "candidate",
    "promoted",
    "retired",
    "rejected",
    "rolled_back",
)


class RegistryError(ValueError):
    """A registry request that cannot be honoured; nothing changed."""


@dataclass(frozen=True)
class ModelEntry:
    version: str
    status: str
    candidate: str
    rows: int
    created_at: datetime
    promoted_at: datetime | None
    summary: dict[str, Any]
    detail: str | None

    def public_view(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "status": self.status,
            "candidate": self.candidate,
            "rows": self.rows,
            "created_at": self.created_at.isoformat(),
            "promoted_at": self.promoted_at.isoformat() if self.promoted_at else None,
            "holdout_r2": self.summary.get("holdout_r2"),
            "cv_r2_spread": self.summary.get("cv_r2_spread"),
            "detail": self.detail,
        }


def _entry(row: Any) -> ModelEntry:
    return ModelEntry(
        version=row.version,
        status=row.status,
        candidate=row.candidate,
        rows=row.rows,
        created_at=row.created_at,
        promoted_at=row.promoted_at,
        summary=json.loads(row.summary),
        detail=row.detail,
    )


class ModelRegistry:
    """Model versions kept in the task store (table `models`, migration 0002)."""

    def __init__(self, store: TaskStore) -> None:
        self.store = store

    def register(self, artifact: ModelArtifact, *, detail: str | None = None) -> ModelEntry:
        """Keep `artifact` as a candidate (idempotent: the same version is kept once)."""
        with self.store.engine.begin() as conn:
            found = conn.execute(
                select(models.c.version).where(models.c.version == artifact.version)
            ).first()
            if found is None:
                conn.execute(
                    insert(models).values(
                        version=artifact.version,
                        created_at=artifact.trained_at,
                        status=CANDIDATE,
                        candidate=artifact.candidate,
                        rows=artifact.rows,
                        summary=json.dumps(artifact.summary()),
                        artifact=zlib.compress(pickle.dumps(artifact)),
                        detail=detail,
                    )
                )
        return self.entry(artifact.version)

    def entry(self, version: str) -> ModelEntry:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(*[c for c in models.c if c.name != "artifact"]).where(
                    models.c.version == version
                )
            ).first()
        if row is None:
            raise NotFoundError(f"no model version {version!r}; see `model list`")
        return _entry(row)

    def list(self) -> list[ModelEntry]:
        query = select(*[c for c in models.c if c.name != "artifact"]).order_by(
            models.c.created_at.desc()
        )
        with self.store.engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def load(self, version: str) -> ModelArtifact:
        with self.store.engine.connect() as conn:
            blob = conn.execute(
                select(models.c.artifact).where(models.c.version == version)
            ).scalar_one_or_none()
        if blob is None:
            raise NotFoundError(f"no model version {version!r}; see `model list`")
        # Only this platform's own processes write the registry rows it unpickles.
        return pickle.loads(zlib.decompress(blob))

    def current_version(self) -> str | None:
        with self.store.engine.connect() as conn:
            return conn.execute(
                select(models.c.version).where(models.c.status == PROMOTED)
            ).scalar_one_or_none()

    def current(self) -> ModelArtifact | None:
        version = self.current_version()
        return self.load(version) if version else None

    def reject(self, version: str, reason: str) -> ModelEntry:
        entry = self.entry(version)
        if entry.status == PROMOTED:
            raise RegistryError(f"{version} is in use; promote or roll back another first")
        self._set(version, REJECTED, detail=reason)
        return self.entry(version)

    def promote(self, version: str, *, actor: str = "cli") -> ModelEntry:
        """Put `version` in use; the one in use before is retired (rollback brings it back)."""
        entry = self.entry(version)
        if entry.status == PROMOTED:
            return entry
        now = utcnow()
        with self.store.engine.begin() as conn:
            conn.execute(update(models).where(models.c.status == PROMOTED).values(status=RETIRED))
            conn.execute(
                update(models)
                .where(models.c.version == version)
                .values(status=PROMOTED, promoted_at=now, detail=f"promoted by {actor}")
            )
            conn.execute(
                insert(audit_log).values(
                    at=now, actor=actor, detail=f"model {version} promoted (was {entry.status})"
                )
            )
        return self.entry(version)

    def rollback(self, *, actor: str = "cli") -> ModelEntry:
        """Retire the model in use and bring back the one promoted before it."""
        current = self.current_version()
        if current is None:
            raise RegistryError("no model is in use; nothing to roll back")
        with self.store.engine.connect() as conn:
            previous = conn.execute(
                select(models.c.version)
                .where(models.c.status == RETIRED, models.c.promoted_at.is_not(None))
                .order_by(models.c.promoted_at.desc())
                .limit(1)
            ).scalar_one_or_none()
        if previous is None:
            raise RegistryError(f"{current} is the only model ever promoted; nothing to go back to")
        self._set(current, ROLLED_BACK, detail=f"rolled back by {actor}")
        return self.promote(previous, actor=actor)

    def _set(self, version: str, status: str, *, detail: str) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(
                update(models)
                .where(models.c.version == version)
                .values(status=status, detail=detail)
            )

    def record_prediction(
        self, task: Task, version: str, predicted: float, uncertainty: float, *, actor: str
    ) -> Task:
        """Store on the task the model version that chose its time and what it expected."""
        now = utcnow()
        with self.store.engine.begin() as conn:
            row = conn.execute(
                update(tasks)
                .where(tasks.c.id == task.id)
                .values(
                    model_version=version,
                    predicted_engagement=predicted,
                    prediction_uncertainty=uncertainty,
                    updated_at=now,
                )
                .returning(*tasks.c)
            ).one()
            conn.execute(
                insert(audit_log).values(
                    at=now,
                    actor=actor,
                    task_id=task.id,
                    account_id=task.account_id,
                    detail=f"time chosen by model {version}: expects {predicted:.0f} "
                    f"± {uncertainty:.0f}",
                )
            )
        return Task.from_row(row)
