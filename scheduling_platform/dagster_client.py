"""Starting a run on the running platform through the Dagster webserver's GraphQL API
(dagster-graphql's client): what the API's orchestrator and the CLI's create path share."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from scheduling_platform.service.errors import UnavailableError


class GraphQLLauncher:
    """Submits runs of a job to the webserver at `graphql_url`."""

    def __init__(self, graphql_url: str, timeout: int = 60) -> None:
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
        try:
            # The job name is unique in the code location, so the client finds it there.
            return self._client.submit_job_execution(job_name, run_config=run_config, tags=tags)
        except (DagsterGraphQLClientError, OSError) as exc:
            # The client's message goes on with the whole GraphQL query: its first line says it.
            reason = (str(exc).strip().splitlines() or ["no answer"])[0][:200]
            raise UnavailableError(
                f"the Dagster webserver at {self.graphql_url} did not launch {job_name}: {reason}"
            ) from None
