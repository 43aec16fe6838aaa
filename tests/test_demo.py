"""The first-start demo: sandbox accounts, posts due in minutes, and an API key printed once
that opens the API as admin of the default workspace; nothing again on a store with data."""

from __future__ import annotations

from scheduling_platform.runtime.demo import seed_demo
from scheduling_platform.service.api_keys import authenticate
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import DEFAULT_WORKSPACE_ID


def test_the_demo_seeds_once_with_a_working_key(platform_env: Settings) -> None:
    ctx = ServiceContext(platform_env, actor="demo")
    seeded = seed_demo(ctx)
    assert seeded is not None and len(seeded.tasks) == 5
    caller = authenticate(ServiceContext(platform_env), seeded.api_key)
    assert caller.workspace_id == DEFAULT_WORKSPACE_ID and caller.allows("write")
    assert caller.rate_limit == "1000/hour"
    assert seed_demo(ctx) is None
    assert len(ctx.store.list_api_keys(DEFAULT_WORKSPACE_ID)) == 1
