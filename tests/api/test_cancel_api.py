"""The REST API's cancel and delete-post: a claimed task is cancelled, a published one is
not (409 with what it is), its post is taken down where the platform can (sandbox)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.timeutil import utcnow
from tests.api.conftest import Api
from tests.platforms.conftest import REVIEW_DELAY, Sandbox
from tests.platforms.test_take_down import published_on_each_platform, statuses_on


def test_the_api_cancels_a_claimed_task_and_deletes_a_post(api: Api, tmp_path: Path) -> None:
    sandbox = Sandbox(api.settings.sandbox_url)
    sandbox.configure(review_delay_seconds=REVIEW_DELAY)
    ctx = api.admin()
    ids = published_on_each_platform(ctx, sandbox, tmp_path, ("weibo", "douyin"))
    account = ctx.store.get_account(ctx.store.get_task(ids["weibo"]).account_id)
    claimed = ctx.store.create_task(account, "due soon", utcnow() + timedelta(seconds=30))
    horizon = utcnow() + timedelta(minutes=1)
    ctx.store.claim_due_tasks(horizon=horizon, claim_batch_prefix="u", lease_until=horizon)
    with api.client(api.key("read", "write")) as http:
        tasks = "/api/v1/scheduling/tasks"
        assert ctx.store.get_task(claimed.id).status is TaskStatus.CLAIMED
        cancelled = http.delete(f"{tasks}/{claimed.id}")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        out = http.delete(f"{tasks}/{ids['weibo']}")
        assert out.status_code == 409 and out.json()["outcome"] == "published"
        assert out.json()["task"]["platform_post_id"]
        gone = http.delete(f"{tasks}/{ids['weibo']}/post")
        assert gone.status_code == 200 and gone.json()["status"] == "post_deleted"
        no_way = http.delete(f"{tasks}/{ids['douyin']}/post")
        assert no_way.status_code == 422 and "offers no way" in no_way.json()["detail"]
    assert statuses_on(sandbox, "weibo") == ["deleted"] and statuses_on(sandbox, "douyin") == [
        "published"
    ]
