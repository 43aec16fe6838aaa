"""A service context on a real store (SQLite and Postgres), and accounts to post with."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest

from scheduling_platform.service.context import ServiceContext
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account
from tests.samples import ahead, write_media

# A Tuesday morning a month or so ahead (Asia/Shanghai): within the scheduling horizon, and
# far enough ahead for every test.
T0 = datetime.combine(ahead(30, weekday=1), time(2, 0), UTC)  # 10:00 in Shanghai

MakeContext = Callable[..., ServiceContext]


def cover() -> str:
    """A new JPEG cover (a WeChat article needs one); its bytes are its own, so no two posts
    share it and no media conflict arises unless a test makes one."""
    return str(write_media(Path(tempfile.mkdtemp(prefix="cover-")), "cover.jpg"))


def with_cover(account: Account, extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` with a cover of its own when the account's platform needs one (WeChat)."""
    if account.platform == "wechat" and "media" not in extra:
        return {**extra, "media": [cover()]}
    return extra


@pytest.fixture
def make_ctx(database_url: str, tmp_path: Path) -> Iterator[MakeContext]:
    """Contexts on one store; keyword arguments override settings (defaults otherwise)."""
    made: list[ServiceContext] = []
    key = base64.b64encode(os.urandom(32)).decode()

    def make(**overrides: Any) -> ServiceContext:
        settings = Settings(
            home=tmp_path / "home", database_url=database_url, encryption_key=key, **overrides
        )
        ctx = ServiceContext(settings, actor="test")
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        if "store" in ctx.__dict__:
            ctx.store.engine.dispose()


@pytest.fixture
def ctx(make_ctx: MakeContext) -> ServiceContext:
    """A context with the default settings."""
    return make_ctx()


@pytest.fixture
def weibo(ctx: ServiceContext) -> Account:
    return ctx.store.add_account("weibo", "brand", "Asia/Shanghai", {"access_token": "t"})


@pytest.fixture
def wechat(ctx: ServiceContext) -> Account:
    return ctx.store.add_account("wechat", "oa", "Asia/Shanghai", {"appid": "a"})
