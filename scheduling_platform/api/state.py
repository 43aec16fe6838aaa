"""What the API app holds for all its requests: settings, the shared store, limiter, metrics."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from scheduling_platform.api.metrics import ApiMetrics
from scheduling_platform.api.ratelimit import RateLimiter
from scheduling_platform.service.context import ServiceContext, Shared
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import DEFAULT_WORKSPACE_ID


@dataclass
class ApiState:
    settings: Settings
    shared: Shared
    limiter: RateLimiter
    metrics: ApiMetrics

    def context(
        self,
        actor: str,
        workspace_id: int = DEFAULT_WORKSPACE_ID,
        api_key_id: int | None = None,
        user_id: int | None = None,
        client_address: str | None = None,
    ) -> ServiceContext:
        """A context on the shared store for one request."""
        return ServiceContext(
            self.settings,
            actor,
            workspace_id=workspace_id,
            api_key_id=api_key_id,
            user_id=user_id,
            client_address=client_address,
            shared=self.shared,
        )


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state
