"""The reads a batch or an expansion makes for several accounts at once: each account gets its
own posts and only the band matches of its own keys (SQLite and Postgres)."""

from __future__ import annotations

from datetime import timedelta

from scheduling_platform.fingerprints import band_keys
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post, Rule
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.store.tasks import NewTask
from tests.conflicts.conftest import T0
from tests.conflicts.test_duplicates import NEAR, ORIGINAL, OTHER
from tests.statements import plan_of, statements_of

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
ZERO = timedelta(0)


def test_each_account_gets_the_band_matches_of_its_own_keys_only(ctx) -> None:
    store = ctx.store
    a, b, c = (store.add_account("wechat", f"oa-{n}", "Asia/Shanghai", {}) for n in "abc")
    a_original, b_original, b_other = store.create_tasks(
        [
            NewTask(a.id, "wechat", ORIGINAL, T0 - DAY),
            NewTask(b.id, "wechat", ORIGINAL, T0 - 2 * DAY),
            NewTask(b.id, "wechat", OTHER, T0 + 20 * DAY),  # outside the span, inside the window
        ],
        actor="test",
    )
    keys = {a.id: set(band_keys(NEAR)), b.id: set(band_keys(OTHER)), c.id: set(band_keys(ORIGINAL))}
    spans = {account: [(T0 - DAY, T0 + DAY)] for account in keys}
    found = store.read_around_many(keys, spans, (T0 - 90 * DAY, T0 + 90 * DAY))
    matched = {
        account: {(post.id, key) for post, keys in around.band_matches for key in keys}
        for account, around in found.items()
    }
    near_keys = set(band_keys(NEAR)) & set(band_keys(ORIGINAL))
    assert near_keys  # the near duplicate shares some bands, not all
    assert matched[a.id] == {(a_original.id, key) for key in near_keys}
    assert matched[b.id] == {(b_other.id, key) for key in band_keys(OTHER)}
    assert matched[c.id] == set()  # a and b hold its text, but they are other accounts
    # Each post once, with every key it shares.
    assert [len(around.band_matches) for around in found.values()] == [1, 1, 0]
    assert [p.id for p in found[a.id].placed] == [a_original.id]
    assert [p.id for p in found[b.id].edges] == [b_original.id, b_other.id]
    assert found[c.id].placed == found[c.id].edges == []


def test_band_matches_outside_the_window_are_left_out(ctx) -> None:
    store = ctx.store
    a = store.add_account("wechat", "oa", "Asia/Shanghai", {})
    store.create_tasks([NewTask(a.id, "wechat", ORIGINAL, T0 - 40 * DAY)], actor="test")
    keys = {a.id: set(band_keys(ORIGINAL))}
    found = store.read_around_many(
        keys, {a.id: [(T0 - DAY, T0 + DAY)]}, (T0 - 30 * DAY, T0 + 30 * DAY)
    )
    assert found[a.id].band_matches == []


def test_the_posts_of_the_span_are_read_through_the_account_index(ctx) -> None:
    """Not through (status, time): that walks every account's posts of the span, which at a
    million tasks made a batch's read take most of a second (SQLite: the query plan;
    Postgres plans by statistics, so only the answer is checked there)."""
    store = ctx.store
    accounts = [store.add_account("weibo", f"w{n}", "Asia/Shanghai", {}) for n in range(40)]
    store.create_tasks(
        [
            NewTask(a.id, "weibo", f"post {n} of {a.id}", T0 + n * timedelta(hours=3))
            for a in accounts
            for n in range(20)
        ],
        actor="test",
    )
    wanted = {a.id: set() for a in accounts[:10]}
    spans = {account: [(T0, T0 + 2 * DAY)] for account in wanted}
    with statements_of(store) as seen:
        found = store.read_around_many(wanted, spans, (T0, T0))
    assert [len(found[a.id].placed) for a in accounts[:10]] == [16] * 10
    if store.dialect == "sqlite":
        steps = plan_of(store, seen, "FROM tasks")
        assert "ix_tasks_account_scheduled_at" in steps, steps


def test_posts_a_month_apart_read_the_days_around_each_and_the_rest_when_asked(ctx) -> None:
    store = ctx.store
    account = store.add_account("weibo", "w", "Asia/Shanghai", {})
    daily = store.create_tasks(
        [NewTask(account.id, "weibo", f"day {n}", T0 + n * DAY) for n in range(-5, 30)],
        actor="test",
    )
    by_day = dict(zip(range(-5, 30), daily, strict=True))
    checker = ConflictChecker(store, ConflictRules())
    post = lambda day: Post(account.id, "weibo", "new", T0 + day * DAY + timedelta(minutes=2))  # noqa: E731
    checker.prepare([(post(0), ZERO), (post(20), ZERO)])
    hood = checker.neighbourhood(account.id)
    # A day either side of each (the checks' reach), and the nearest post beyond each end.
    assert sorted(hood.posts) == sorted(by_day[d].id for d in (-1, 0, 1, 2, 19, 20, 21, 22))
    # A post between them reads what it needs, and its conflict is found.
    found = checker.check(account, post(10), T0 - 30 * DAY)
    assert [c.other_task_ids for c in found.conflicts if c.rule == Rule.MIN_GAP] == [
        (by_day[10].id,)
    ]
    assert {by_day[d].id for d in (9, 11, 12)} <= hood.posts.keys()
    assert by_day[5].id not in hood.posts


def test_the_posts_sharing_bands_are_looked_up_by_id(ctx) -> None:
    """Not through (status, time) over the duplicate window: that walks six months of every
    account's posts, 40-150 ms a read at a million tasks (SQLite: the query plan)."""
    store = ctx.store
    account = store.add_account("wechat", "oa", "Asia/Shanghai", {})
    store.create_tasks(
        [NewTask(account.id, "wechat", ORIGINAL, T0 - (n + 1) * HOUR) for n in range(60)],
        actor="test",
    )
    keys = {account.id: set(band_keys(NEAR))}
    spans = {account.id: [(T0 - DAY, T0 + DAY)]}
    with statements_of(store) as seen:
        found = store.read_around_many(keys, spans, (T0 - 90 * DAY, T0 + 90 * DAY))
    assert len(found[account.id].band_matches) == 60
    if store.dialect == "sqlite":
        steps = plan_of(store, seen, "WHERE tasks.id IN (?")
        assert "PRIMARY KEY" in steps, steps
