"""A small trained model (once a session) put in use on each test's store, and accounts."""

from __future__ import annotations

import pytest

from scheduling_platform.intelligence.artifact import ModelArtifact
from scheduling_platform.intelligence.model import default_candidates, train_model
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.sandbox.engagement_profile import load_profile
from scheduling_platform.sandbox.history import simulate_history
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow
from tests.conflicts.conftest import ctx, make_ctx  # noqa: F401


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the placements' Postgres locking is the conflict tests' to cover."""
    return sqlite_url


@pytest.fixture(scope="session")
def artifact() -> ModelArtifact:
    """Four weeks of Weibo and Douyin history up to now; sim:weibo:0 is account 1."""
    history = simulate_history(
        load_profile(),
        end=utcnow(),
        weeks=4,
        accounts_per_platform=2,
        platforms=("weibo", "douyin"),
        seed=3,
    )
    history["account_key"] = history["account_key"].replace("sim:weibo:0", "account:1")
    boosting = [c for c in default_candidates() if c.name == "hist_gb_log"]
    return train_model(history, candidates=boosting, seed=0)


def put_in_use(store: TaskStore, artifact: ModelArtifact) -> str:
    registry = ModelRegistry(store)
    registry.register(artifact)
    registry.promote(artifact.version)
    return artifact.version


@pytest.fixture
def modelled(ctx: ServiceContext, artifact: ModelArtifact) -> ServiceContext:  # noqa: F811
    put_in_use(ctx.store, artifact)
    return ctx


@pytest.fixture
def weibo(modelled: ServiceContext) -> Account:
    return modelled.store.add_account("weibo", "brand", "Asia/Shanghai", {"access_token": "t"})


@pytest.fixture
def weibo_accounts(modelled: ServiceContext, weibo: Account) -> list[Account]:
    return [weibo] + [
        modelled.store.add_account("weibo", f"brand{i}", "Asia/Shanghai", {"access_token": "t"})
        for i in range(1, 5)
    ]
