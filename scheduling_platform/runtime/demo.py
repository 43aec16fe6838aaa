"""A small demo for a newcomer's first start: sandbox accounts, posts due in minutes, and an
API key for the default workspace (printed once, so the first `curl` works)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from scheduling_platform.service.accounts import AddAccountRequest, add_account, list_accounts
from scheduling_platform.service.api_keys import CreateApiKeyRequest, create_api_key
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.tasks import CreateTaskRequest, create_task
from scheduling_platform.service.views import TaskView
from scheduling_platform.timeutil import utcnow

DEMO_POSTS = [
    "新品上市：春季限定系列今天开售 #新品#",
    "早安！今天的城市天气适合出门走走。",
    "直播预告：今晚八点，与设计师聊聊新系列背后的故事。",
    "感谢十万位朋友的关注，转发本条抽三位送礼物。",
    "周末读书推荐：三本关于城市生活的书。",
]


@dataclass(frozen=True)
class DemoSeed:
    tasks: Sequence[TaskView]
    api_key: str  # shown once, by whoever seeded


def seed_demo(ctx: ServiceContext) -> DemoSeed | None:
    """Only on an empty store: two sandbox Weibo accounts, five posts over the next quarter
    hour,
    and an API key of every scope for the default workspace."""
    if list_accounts(ctx):
        return None
    accounts = [
        add_account(ctx, AddAccountRequest(platform="weibo", name=name))
        for name in ("demo-brand", "demo-news")
    ]
    now = utcnow()
    tasks = [
        create_task(
            ctx,
            CreateTaskRequest(
                account_id=accounts[i % len(accounts)].id,
                content=text,
                # Three minutes apart in turn: six between two posts of one account, over the
                # default five-minute gap that the conflict check keeps.
                at=now + timedelta(minutes=2 + 3 * i),
            ),
        )
        for i, text in enumerate(DEMO_POSTS)
    ]
    key = create_api_key(ctx, CreateApiKeyRequest(scopes=["admin"], name="demo"))
    return DemoSeed(tasks, key.key)
