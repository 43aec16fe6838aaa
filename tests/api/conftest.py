"""The API served by uvicorn on a loopback port, over a store in a temporary home, with a
real sandbox and a real (temporary) Dagster instance; keys made as the CLI makes them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from scheduling_platform.api.app import create_app
from scheduling_platform.api.server import running_api
from scheduling_platform.runtime.dagster_home import ensure_dagster_home
from scheduling_platform.service.accounts import AddAccountRequest, add_account
from scheduling_platform.service.api_keys import CreateApiKeyRequest, create_api_key
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.workspaces import admin_context, create_workspace
from scheduling_platform.settings import Settings
from scheduling_platform.timeutil import utcnow


@dataclass
class Api:
    """A running API and a way to reach it as any workspace's key."""

    url: str
    settings: Settings

    def admin(self, workspace: str = "default") -> ServiceContext:
        """The host's CLI context for `workspace` (creating the workspace if needed)."""
        ctx = ServiceContext(self.settings)
        if workspace not in {w.name for w in ctx.store.list_workspaces()}:
            create_workspace(ctx, workspace)
        return admin_context(self.settings, workspace)

    def key(self, *scopes: str, workspace: str = "default", rate_limit: str | None = None) -> str:
        request = CreateApiKeyRequest(scopes=list(scopes), rate_limit=rate_limit)
        return create_api_key(self.admin(workspace), request).key

    def client(self, key: str | None = None, **headers: str) -> httpx.Client:
        auth = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers={**auth, **headers}, timeout=30)

    def account(self, workspace: str = "default", name: str = "brand") -> int:
        """A sandbox Weibo account of `workspace` (added as its admin)."""
        request = AddAccountRequest(platform="weibo", name=name)
        return add_account(self.admin(workspace), request).id


@pytest.fixture
def api_settings(platform_env: Settings) -> Settings:
    ensure_dagster_home(platform_env)  # the instance the API reads runs from
    return platform_env


@pytest.fixture
def make_api(api_settings: Settings) -> Iterator[Callable[..., Api]]:
    """Start an API for settings (the fixture's by default); all stop at the test's end."""
    with ExitStack() as stack:

        def start(settings: Settings | None = None) -> Api:
            settings = settings or api_settings
            return Api(stack.enter_context(running_api(create_app(settings))), settings)

        yield start


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


_SLOTS = itertools.count()


def later(days: float = 30) -> str:
    """An ISO 8601 time in the future, with its offset; each call a slot of its own (10 min
    after the previous one), so posts made with it never conflict by time alone."""
    return (utcnow() + timedelta(days=days, minutes=10 * next(_SLOTS))).isoformat()
