"""A small demo for a newcomer's first start: sandbox accounts and posts due in minutes."""

from __future__ import annotations

from datetime import timedelta

from scheduling_platform.accounts.registration import add_account
from scheduling_platform.scheduling.tasks import schedule_task
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

DEMO_POSTS = [
    "新品上市：春季限定系列今天开售 #新品#",
    "早安！今天的城市天气适合出门走走。",
    "直播预告：今晚八点，与设计师聊聊新系列背后的故事。",
    "感谢十万位朋友的关注，转发本条抽三位送礼物。",
    "周末读书推荐：三本关于城市生活的书。",
]


def seed_demo(store: TaskStore, settings: Settings) -> list[Task]:
    """Only on an empty store: two sandbox Weibo accounts, five posts over the next minutes."""
    if store.list_accounts():
        return []
    accounts = [
        add_account(store, settings, platform="weibo", name=name)
        for name in ("demo-brand", "demo-news")
    ]
    now = utcnow()
    return [
        schedule_task(
            store,
            accounts[i % len(accounts)].id,
            text,
            now + timedelta(minutes=2 + i),
            actor="demo",
        )
        for i, text in enumerate(DEMO_POSTS)
    ]
