"""The orchestrator for the API: runs launched through the Dagster webserver's GraphQL API
(dagster-graphql's client), runs read from the Dagster instance (DAGSTER_HOME)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from scheduling_platform.dagster_client import GraphQLLauncher
from scheduling_platform.service.orchestrator import RunSummary
from scheduling_platform.settings import Settings

ACTIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


class DagsterOrchestrator:
    def __init__(self, graphql_url: str, dagster_home: Path) -> None:
        self.graphql_url = graphql_url
        self.dagster_home = dagster_home
        self._instance: DagsterInstance | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> DagsterOrchestrator:
        return cls(settings.resolved_dagster_graphql_url, settings.dagster_home)

    def instance(self) -> DagsterInstance:
        with self._lock:
            if self._instance is None:
                self.dagster_home.mkdir(parents=True, exist_ok=True)
                self._instance = DagsterInstance.from_config(str(self.dagster_home))
            return self._instance

    def launch(
        self,
        job_name: str,
        run_config: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        return GraphQLLauncher(self.graphql_url).launch(job_name, run_config, tags)

    def active_runs(self, job_name: str) -> list[RunSummary]:
        runs = self.instance().get_runs(RunsFilter(job_name=job_name, statuses=ACTIVE))
        return [RunSummary(r.run_id, r.status.value, dict(r.tags)) for r in runs]

    def ping(self) -> None:
        self.instance().get_runs(limit=1)

    def close(self) -> None:
        with self._lock:
            if self._instance is not None:
                self._instance.dispose()
                self._instance = None
