"""The reads a batch or an expansion makes for several accounts at once: each account gets its
own posts and only the band matches of its own keys (SQLite and Postgres)."""

from __future__ import annotations

from datetime import timedelta

from scheduling_platform.fingerprints import band_keys
from scheduling_platform.store.tasks import NewTask
from tests.conflicts.conftest import T0
from tests.conflicts.test_duplicates import NEAR, ORIGINAL, OTHER

DAY = timedelta(days=1)


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
    found = store.read_around_many(keys, (T0 - DAY, T0 + DAY), (T0 - 90 * DAY, T0 + 90 * DAY))
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
    found = store.read_around_many(keys, (T0 - DAY, T0 + DAY), (T0 - 30 * DAY, T0 + 30 * DAY))
    assert found[a.id].band_matches == []
