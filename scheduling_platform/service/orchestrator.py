"""The orchestrator as the application layer sees it: launch a job, list a job's runs.

The core does not import Dagster; an interface that can reach the Dagster instance (the API)
provides this, and operations that need it take it from the context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: str  # QUEUED, STARTING, STARTED, ... as the orchestrator names them
    tags: dict[str, str] = field(default_factory=dict)


class Launcher(Protocol):
    def launch(
        self,
        job_name: str,
        run_config: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        """Start a run of `job_name`; returns its run id."""
        ...


class Orchestrator(Launcher, Protocol):
    def active_runs(self, job_name: str) -> list[RunSummary]:
        """Runs of `job_name` that are queued or running."""
        ...

    def ping(self) -> None:
        """Raise unless the orchestrator's instance answers."""
        ...
