"""Who calls: the API key in `Authorization: Bearer`, its rate limit, and the scope an
operation needs. Each request's ServiceContext acts in the key's workspace only."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scheduling_platform.api.problems import ScopeError
from scheduling_platform.api.state import ApiState, api_state
from scheduling_platform.service import api_keys
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import AuthenticationError

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key (`spk_...`) from `scheduling-platform keys api create`.",
)


def require(scope: str) -> Callable[..., ServiceContext]:
    """A dependency: the caller's context, if its key is live, within its rate limit, and
    holds `scope` (or admin). Every request counts against the limit, refused ones too."""

    def caller_context(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Security(bearer),
        state: ApiState = Depends(api_state),
    ) -> ServiceContext:
        if credentials is None:
            raise AuthenticationError("the API key is missing, unknown or revoked")
        caller = api_keys.authenticate(state.context(actor="api"), credentials.credentials)
        state.limiter.hit(caller)
        if not caller.allows(scope):
            raise ScopeError(
                f"this key's scopes ({', '.join(sorted(caller.scopes))}) do not include {scope}"
            )
        return state.context(
            actor=f"api-key:{caller.public_id}",
            workspace_id=caller.workspace_id,
            api_key_id=caller.api_key_id,
            user_id=caller.user_id,
            client_address=request.client.host if request.client else None,
        )

    caller_context.__name__ = f"requires_{scope}"
    return caller_context
