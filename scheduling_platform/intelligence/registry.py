"""The model registry: which model versions exist and which one is in use.

Exactly one version is `promoted` (in use) at a time; promoting another retires it, and
`rollback` brings back the version retired last. A version whose checks failed is `rejected`
and can only be promoted by name, on purpose. Models are stored whole (pickled) in the task
store, so every process that reads the store uses the same model, with no file to go stale.
"""

from __future__ import annotations

import pickle
import zlib

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.priors import is_prior_version, prior_artifact
from scheduling_platform.lifecycle import ModelStatus
from scheduling_platform.store.models import ModelEntry
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore


class RegistryError(ValueError):
    """A registry request that cannot be honoured; nothing changed."""


class ModelRegistry:
    """Model versions kept in the task store (table `models`)."""

    def __init__(self, store: TaskStore) -> None:
        self.store = store

    def register(self, artifact: ModelArtifact, *, detail: str | None = None) -> ModelEntry:
        """Keep `artifact` as a candidate (idempotent: the same version is kept once)."""
        self.store.insert_model(
            version=artifact.version,
            created_at=artifact.trained_at,
            candidate=artifact.candidate,
            rows=artifact.rows,
            summary=artifact.summary(),
            artifact=zlib.compress(pickle.dumps(artifact)),
            detail=detail,
        )
        return self.entry(artifact.version)

    def entry(self, version: str) -> ModelEntry:
        return self.store.model_entry(version)

    def list(self) -> list[ModelEntry]:
        return self.store.model_entries()

    def load(self, version: str) -> ModelArtifact:
        if is_prior_version(version):
            return prior_artifact()
        blob = self.store.model_artifact(version)
        # Only this platform's own processes write the registry rows it unpickles.
        artifact: ModelArtifact = pickle.loads(zlib.decompress(blob))
        return artifact

    def current_version(self) -> str | None:
        return self.store.promoted_version()

    def current(self) -> ModelArtifact | None:
        version = self.current_version()
        return self.load(version) if version else None

    def current_or_prior(self) -> ModelArtifact:
        """The model in use; on day one (none trained yet) the shipped prior curves."""
        return self.current() or prior_artifact()

    def reject(self, version: str, reason: str) -> ModelEntry:
        entry = self.entry(version)
        if entry.status is ModelStatus.PROMOTED:
            raise RegistryError(f"{version} is in use; promote or roll back another first")
        self.store.set_model_status(version, ModelStatus.REJECTED, detail=reason)
        return self.entry(version)

    def promote(self, version: str, *, actor: str = "cli", force: bool = False) -> ModelEntry:
        """Put `version` in use; the one in use before is retired (rollback brings it back).

        A rejected version needs `force`: the refusal says why it was rejected.
        """
        entry = self.entry(version)
        if entry.status is ModelStatus.PROMOTED:
            return entry
        if entry.status is ModelStatus.REJECTED and not force:
            raise RegistryError(
                f"{version} was rejected ({entry.detail or 'no reason recorded'}); "
                "promote it anyway with --force"
            )
        self.store.promote_model(version, was=entry.status, actor=actor)
        return self.entry(version)

    def rollback(self, *, actor: str = "cli") -> ModelEntry:
        """Retire the model in use and bring back the one promoted before it."""
        current = self.current_version()
        if current is None:
            raise RegistryError("no model is in use; nothing to roll back")
        previous = self.store.last_retired_version()
        if previous is None:
            raise RegistryError(f"{current} is the only model ever promoted; nothing to go back to")
        self.store.set_model_status(
            current, ModelStatus.ROLLED_BACK, detail=f"rolled back by {actor}"
        )
        return self.promote(previous, actor=actor, force=True)

    def record_prediction(
        self, task: Task, version: str, predicted: float, uncertainty: float, *, actor: str
    ) -> Task:
        """Store on the task the model version that chose its time and what it expected."""
        return self.store.record_prediction(task, version, predicted, uncertainty, actor=actor)
