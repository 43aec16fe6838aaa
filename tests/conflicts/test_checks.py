"""Each conflict type on create and reschedule, with the default settings and tuned ones: what
is found, how bad it is, which tasks it names, and the fix it suggests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling_platform.lifecycle import AccountStatus, TaskStatus
from scheduling_platform.service import cancellation
from scheduling_platform.service import tasks as service
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.errors import REFUSALS, ConflictRefusal
from scheduling_platform.store.records import Account
from scheduling_platform.store.tasks import NewTask
from tests.conflicts.conftest import T0, MakeContext, with_cover
from tests.samples import write_media

MIN = timedelta(minutes=1)


def create(ctx: ServiceContext, account: Account, content: str, at, **extra):
    extra = with_cover(account, extra)
    request = service.CreateTaskRequest(account_id=account.id, content=content, at=at, **extra)
    return service.create_task(ctx, request)


def refusal(ctx: ServiceContext, account: Account, content: str, at, **extra) -> ConflictRefusal:
    before = len(ctx.store.list_tasks())
    with pytest.raises(ConflictRefusal) as caught:
        create(ctx, account, content, at, **extra)
    assert len(ctx.store.list_tasks()) == before  # a refusal stores nothing
    return caught.value


def by_rule(refused: ConflictRefusal) -> dict[str, dict]:
    return {c.rule: c.data() for c in refused.conflicts}


def test_four_identical_posts_at_one_minute_are_refused_after_the_first(ctx, weibo) -> None:
    first = create(ctx, weibo, "新品上市，欢迎选购", T0)
    for _ in range(3):
        refused = refusal(ctx, weibo, "新品上市，欢迎选购", T0)
        found = by_rule(refused)
        assert set(found) == {"min_gap", "identical_consecutive"}
        overlap = found["min_gap"]
        assert (overlap["type"], overlap["severity"]) == ("time_overlap", "error")
        assert overlap["other_task_ids"] == [first.id]
        # The nearest free slot: one default gap (5 min) either side; a tie goes later.
        assert overlap["fix"]["action"] == "move"
        assert overlap["fix"]["at"] == (T0 + 5 * MIN).isoformat()
        assert overlap["fix"]["local_at"] == f"{T0.date()}T10:05:00+08:00"
        duplicate = found["identical_consecutive"]
        assert (duplicate["type"], duplicate["severity"]) == ("duplicate_content", "error")
        assert duplicate["fix"]["action"] == "edit_text"
        assert duplicate["similarity"] == 1.0
    assert isinstance(refused, REFUSALS)  # every interface reports it as a refusal
    assert "time_overlap" in str(refused)
    assert [t.id for t in ctx.store.list_tasks()] == [first.id]


def test_the_default_gap_is_five_minutes_and_exactly_five_is_fine(ctx, weibo) -> None:
    create(ctx, weibo, "第一条", T0)
    refused = refusal(ctx, weibo, "第二条不一样", T0 + 4 * MIN + timedelta(seconds=59))
    assert set(by_rule(refused)) == {"min_gap"}
    assert create(ctx, weibo, "第二条不一样", T0 + 5 * MIN).scheduled_at == T0 + 5 * MIN
    assert create(ctx, weibo, "第三条也不同", T0 - 5 * MIN).scheduled_at == T0 - 5 * MIN


def test_a_gap_per_platform_from_the_settings(make_ctx: MakeContext) -> None:
    ctx = make_ctx(min_gap_minutes={"weibo": 60})
    weibo = ctx.store.add_account("weibo", "slow", "Asia/Shanghai", {})
    wechat = ctx.store.add_account("wechat", "oa", "Asia/Shanghai", {})
    create(ctx, weibo, "一", T0)
    refused = refusal(ctx, weibo, "二", T0 + 59 * MIN)
    assert by_rule(refused)["min_gap"]["fix"]["at"] == (T0 + 60 * MIN).isoformat()
    create(ctx, wechat, "一", T0)
    create(ctx, wechat, "二", T0 + 5 * MIN)  # a platform not named keeps the default


def test_conflict_avoidance_moves_the_post_to_the_nearest_free_slot(ctx, weibo) -> None:
    create(ctx, weibo, "早安", T0)
    create(ctx, weibo, "午安", T0 + 5 * MIN)
    moved = create(ctx, weibo, "晚安", T0 + 3 * MIN, strategy="conflict_avoidance")
    # 10:03 clashes with 10:00 and 10:05; the free times nearest it are 09:55 and 10:10.
    assert moved.scheduled_at == T0 + 10 * MIN
    assert moved.moved_from == T0 + 3 * MIN
    assert {c.rule for c in moved.resolved} == {"min_gap"}
    trail = ctx.store.audit_trail(moved.id)
    assert (
        f"moved from {T0.date()}T02:03:00+00:00 to avoid conflicts (min_gap)" in trail[0]["detail"]
    )


def test_the_nearest_free_slot_is_found_beyond_a_full_day_either_side(make_ctx) -> None:
    ctx = make_ctx(min_gap_minutes={"weibo": 60})
    weibo = ctx.store.add_account("weibo", "hourly", "Asia/Shanghai", {})
    ctx.store.create_tasks(
        [NewTask(weibo.id, "weibo", f"第{k}条", T0 + k * 60 * MIN) for k in range(-36, 37)],
        actor="test",
    )
    refused = refusal(ctx, weibo, "插进来", T0 + 30 * MIN)
    # Every time within 36 h is an hour or less from a post: the first free ones are an hour
    # after the last post (36.5 h later) and an hour before the first (37 h earlier).
    assert by_rule(refused)["min_gap"]["fix"]["at"] == (T0 + 37 * 60 * MIN).isoformat()


def test_account_that_cannot_post_is_a_resource_conflict_no_move_resolves(ctx, weibo) -> None:
    fixes = {AccountStatus.NEEDS_REAUTH: "reauthorise", AccountStatus.DISABLED: "enable_account"}
    for status, action in fixes.items():
        ctx.store.set_account_status(weibo.id, status, actor="test")
        refused = refusal(ctx, weibo, "你好", T0, strategy="conflict_avoidance")
        conflict = by_rule(refused)["account_status"]
        assert (conflict["type"], conflict["severity"]) == ("resource", "error")
        assert conflict["fix"]["action"] == action and conflict["fix"]["at"] is None
        assert status in conflict["message"]
    ctx.store.set_account_status(weibo.id, AccountStatus.ACTIVE, actor="test")
    assert create(ctx, weibo, "你好", T0).status == "scheduled"


def test_the_same_media_within_a_day_is_a_resource_conflict(ctx, weibo, tmp_path) -> None:
    # Distinct bytes: the media store names a file by its content, so equal bytes would be
    # the same media whatever the file is called.
    picture = write_media(tmp_path, "poster.jpg")
    other = write_media(tmp_path, "other.jpg")
    first = create(ctx, weibo, "海报一", T0, media=[str(picture)])
    refused = refusal(ctx, weibo, "海报二", T0 + timedelta(hours=3), media=[str(picture)])
    conflict = by_rule(refused)["media_reuse"]
    assert (conflict["type"], conflict["severity"]) == ("resource", "error")
    stored_name = first.media[0].rsplit("/", 1)[-1]  # the media store's name of poster.jpg
    assert conflict["other_task_ids"] == [first.id] and stored_name in conflict["message"]
    # A day after the first post is 21 h from the asked 13:00; a day before it, 27 h.
    assert conflict["fix"]["at"] == (T0 + timedelta(hours=24)).isoformat()
    create(ctx, weibo, "海报二", T0 + timedelta(hours=3), media=[str(other)])
    assert create(ctx, weibo, "海报三", T0 + timedelta(hours=24), media=[str(picture)])


def test_hourly_quota_counts_what_is_scheduled_in_the_clock_hour(make_ctx: MakeContext) -> None:
    ctx = make_ctx(min_gap_minutes={"weibo": 0})
    weibo = ctx.store.add_account("weibo", "busy", "Asia/Shanghai", {})
    hour = T0 + timedelta(hours=1)  # 11:00-12:00 Shanghai
    placed = ctx.store.create_tasks(
        [NewTask(weibo.id, "weibo", f"第{i}条消息", hour + i * MIN) for i in range(30)],
        actor="test",
    )
    refused = refusal(ctx, weibo, "第三十一条", hour + 20 * MIN)
    conflict = by_rule(refused)["hourly_quota"]
    assert (conflict["type"], conflict["severity"]) == ("platform_limit", "error")
    assert sorted(conflict["other_task_ids"]) == [t.id for t in placed]
    assert "takes 30 an hour" in conflict["message"]
    # 11:20: the hour before (10:59) is nearer than the next one (12:00).
    assert conflict["fix"]["at"] == (hour - MIN).isoformat()
    create(ctx, weibo, "下一小时", hour + 60 * MIN)


def test_daily_quota_with_the_default_settings(ctx, weibo) -> None:
    # 90 posts ten minutes apart fill a China day from 08:00 (the default daily quota).
    day = T0 - timedelta(hours=2)  # 08:00 Shanghai
    ctx.store.create_tasks(
        [NewTask(weibo.id, "weibo", f"日更第{i}条", day + i * 10 * MIN) for i in range(90)],
        actor="test",
    )
    refused = refusal(ctx, weibo, "第九十一条", day + 15 * 60 * MIN + 5 * MIN)  # 23:05
    conflict = by_rule(refused)["daily_quota"]
    assert len(conflict["other_task_ids"]) == 90 and "takes 90 a day" in conflict["message"]
    assert (
        conflict["fix"]["local_at"] == f"{T0.date() + timedelta(days=1)}T00:00:00+08:00"
    )  # next China day


def test_daily_quota_is_configurable(make_ctx: MakeContext) -> None:
    ctx = make_ctx(daily_quotas={"wechat": 2})
    wechat = ctx.store.add_account("wechat", "oa", "Asia/Shanghai", {})
    create(ctx, wechat, "早报", T0)
    create(ctx, wechat, "晚报", T0 + timedelta(hours=8))
    refused = refusal(ctx, wechat, "夜报", T0 + timedelta(hours=12))  # 22:00
    assert set(by_rule(refused)) == {"daily_quota"}
    assert create(ctx, wechat, "夜报", T0 + timedelta(hours=14))  # 00:00 the next day


def test_reschedule_is_checked_and_the_task_is_no_conflict_of_its_own(ctx, weibo) -> None:
    a = create(ctx, weibo, "一", T0)
    b = create(ctx, weibo, "二", T0 + 30 * MIN)
    moved = service.reschedule_task(ctx, b.id, (T0 + 32 * MIN).isoformat())
    assert moved.scheduled_at == T0 + 32 * MIN
    with pytest.raises(ConflictRefusal) as caught:
        service.reschedule_task(ctx, b.id, (T0 + 2 * MIN).isoformat())
    assert [c.other_task_ids for c in caught.value.conflicts] == [[a.id]]
    assert ctx.store.get_task(b.id).scheduled_at == T0 + 32 * MIN
    avoided = service.reschedule_task(
        ctx, b.id, (T0 + 2 * MIN).isoformat(), strategy="conflict_avoidance"
    )
    assert avoided.scheduled_at == T0 + 5 * MIN and avoided.moved_from == T0 + 2 * MIN


def test_cancelled_posts_are_no_conflicts(ctx, weibo) -> None:
    first = create(ctx, weibo, "取消的那条", T0)
    cancellation.cancel_task(ctx, first.id)
    assert create(ctx, weibo, "取消的那条", T0).status == TaskStatus.SCHEDULED


def test_the_check_on_its_own_creates_nothing(ctx, weibo) -> None:
    create(ctx, weibo, "一", T0)
    request = service.CreateTaskRequest(account_id=weibo.id, content="二", at=T0 + MIN)
    found = service.check_task_conflicts(ctx, request)
    assert [(c.type, c.rule) for c in found] == [("time_overlap", "min_gap")]
    assert len(ctx.store.list_tasks()) == 1
    free = request.model_copy(update={"at": T0 + 10 * MIN})
    assert service.check_task_conflicts(ctx, free) == []


def test_an_unknown_strategy_is_refused(ctx, weibo) -> None:
    with pytest.raises(ValueError, match="unknown strategy 'sometimes'"):
        create(ctx, weibo, "一", T0, strategy="sometimes")
