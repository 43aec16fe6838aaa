"""Starting runs on the platform's Dagster instance: through the webserver's GraphQL API
(dagster-graphql's client; the API's orchestrator), or in this process (the immediate path of
the API and the CLI)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from scheduling_platform.service.errors import UnavailableError
from scheduling_platform.settings import Settings

if TYPE_CHECKING:
    from dagster import DagsterInstance, Definitions

# Dagster and its GraphQL client (about 45 MB) are imported when a run is first launched, not
# with this module: every CLI command imports it, and most never start a run.

DAEMON_FRESH_SECONDS = 120  # a daemon that beat this recently is running

# Dagster reconfigures Python logging (logging.config.dictConfig) as each run starts, taking
# every handler's lock under logging's own; a run emitting an event in another thread holds its
# handler's lock and then wants logging's. Two runs in one process can so deadlock each other:
# runs in this process go one at a time.
_ONE_RUN_AT_A_TIME = threading.Lock()


class GraphQLLauncher:
    """Submits runs of a job to the webserver at `graphql_url`."""

    def __init__(self, graphql_url: str, timeout: int = 60) -> None:
        from dagster_graphql import DagsterGraphQLClient

        self.graphql_url = graphql_url
        url = urlparse(graphql_url)
        self._client = DagsterGraphQLClient(
            url.hostname or "127.0.0.1",
            port_number=url.port,
            use_https=url.scheme == "https",
            path_prefix=url.path.rstrip("/"),
            timeout=timeout,
        )

    def launch(
        self,
        job_name: str,
        run_config: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        """The run id of a new run of `job_name` (UnavailableError: the webserver said no)."""
        from dagster_graphql import DagsterGraphQLClientError

        try:
            # The job name is unique in the code location, so the client finds it there.
            return self._client.submit_job_execution(job_name, run_config=run_config, tags=tags)
        except (DagsterGraphQLClientError, OSError) as exc:
            # The client's message goes on with the whole GraphQL query: its first line says it.
            reason = (str(exc).strip().splitlines() or ["no answer"])[0][:200]
            raise UnavailableError(
                f"the Dagster webserver at {self.graphql_url} did not launch {job_name}: {reason}"
            ) from None


class InProcessRuns:
    """Runs jobs of this code location in this process, recorded on the platform's instance
    (DAGSTER_HOME) like any run, as `scheduling-platform tick` does: no run worker to start,
    so a run begins within milliseconds. `wait=False` (the API) runs them on a thread of
    their own, in turn; `only_when_running` (the CLI) refuses when the platform's daemon is
    not running, since then `tick` is how posts go out. `close` waits for the runs started."""

    def __init__(self, settings: Settings, *, wait: bool, only_when_running: bool = False) -> None:
        self.settings = settings
        self.wait = wait
        self.only_when_running = only_when_running
        self._lock = threading.Lock()
        self._definitions: Definitions | None = None
        self._instance: DagsterInstance | None = None
        self._runner: ThreadPoolExecutor | None = None

    def instance(self) -> DagsterInstance:
        with self._lock:
            if self._instance is None:
                from dagster import DagsterInstance

                self.settings.dagster_home.mkdir(parents=True, exist_ok=True)
                self._instance = DagsterInstance.from_config(str(self.settings.dagster_home))
            return self._instance

    def definitions(self) -> Definitions:
        with self._lock:
            if self._definitions is None:
                from scheduling_platform.definitions import build_definitions

                self._definitions = build_definitions(self.settings)
            return self._definitions

    def warm(self) -> None:
        """Load the definitions and open the instance now, not at the first run."""
        self.instance()
        self.definitions()

    def launch(
        self,
        job_name: str,
        run_config: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        instance = self.instance()
        if self.only_when_running:
            beat = instance.get_daemon_heartbeats().get("SENSOR")
            if beat is None or time.time() - beat.timestamp > DAEMON_FRESH_SECONDS:
                raise UnavailableError(
                    "the platform is not running (no sensor daemon heartbeat in the last "
                    f"{DAEMON_FRESH_SECONDS} s; `scheduling-platform tick` publishes what is due)"
                )
        from dagster._core.utils import make_new_run_id

        job = self.definitions().resolve_job_def(job_name)
        run_id = make_new_run_id()

        def execute() -> None:
            with _ONE_RUN_AT_A_TIME:
                job.execute_in_process(
                    run_config=run_config,
                    instance=instance,
                    tags={**(tags or {}), "launched_by": "in_process"},
                    run_id=run_id,
                    raise_on_error=False,
                )

        if self.wait:
            execute()
        else:
            with self._lock:
                if self._runner is None:
                    self._runner = ThreadPoolExecutor(1, thread_name_prefix="in-process-run")
                self._runner.submit(execute)
        return run_id

    def close(self) -> None:
        """Wait for the runs started here, then let the instance go."""
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.shutdown(wait=True)
        with self._lock:
            if self._instance is not None:
                self._instance.dispose()
                self._instance = None
