"""Duplicate content: Chinese near-duplicates caught through the LSH index, different texts of
the same length not; identical consecutive posts refused on Weibo only."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from scheduling_platform.fingerprints import band_keys, minhash, new_lsh, shingles, similarity
from scheduling_platform.service.errors import ConflictRefusal
from scheduling_platform.store.tasks import NewTask
from tests.conflicts.conftest import T0, MakeContext
from tests.conflicts.test_checks import create

ORIGINAL = "新品上市：春季限定系列今天开售，全场八折，快来门店看看吧！"
# The same message: other punctuation and spacing, three characters changed.
NEAR = "新品上市!春季限定系列今日开售 全场九折~快到门店看看吧"
# Another message of exactly the same length.
OTHER = "周末读书推荐：三本关于城市生活的书，每一本都值得慢慢读完。"
DAY = timedelta(days=1)


def test_the_texts_are_what_the_tests_say() -> None:
    assert len(OTHER) == len(ORIGINAL)
    assert 0.5 <= similarity(shingles(ORIGINAL), shingles(NEAR)) < 1.0
    assert similarity(shingles(ORIGINAL), shingles(OTHER)) < 0.1
    # Punctuation and spaces only separate; case and full-width forms fold.
    assert shingles("早安，北京！ＯＫ") == shingles("早安 北京 ok")


def test_a_near_duplicate_chinese_text_is_caught_with_the_default_threshold(ctx, weibo) -> None:
    first = create(ctx, weibo, ORIGINAL, T0)
    create(ctx, weibo, "中间插一条别的消息，避免连续", T0 + DAY)
    near = create(ctx, weibo, NEAR, T0 + 2 * DAY)
    (warning,) = near.warnings
    assert (warning.type, warning.rule, warning.severity) == (
        "duplicate_content",
        "near_duplicate",
        "warning",
    )
    assert warning.other_task_ids == [first.id]
    assert warning.similarity == pytest.approx(similarity(shingles(ORIGINAL), shingles(NEAR)))
    assert warning.fix.action == "edit_text" and "similar" in warning.message
    other = create(ctx, weibo, OTHER, T0 + 3 * DAY)
    assert other.warnings == []


def test_a_higher_threshold_lets_the_near_duplicate_pass(make_ctx: MakeContext) -> None:
    ctx = make_ctx(near_duplicate_threshold=0.8)
    weibo = ctx.store.add_account("weibo", "strict", "Asia/Shanghai", {})
    create(ctx, weibo, ORIGINAL, T0)
    create(ctx, weibo, "中间插一条别的消息", T0 + DAY)
    assert create(ctx, weibo, NEAR, T0 + 2 * DAY).warnings == []


def test_identical_consecutive_posts_are_refused_on_weibo_only(ctx, weibo, wechat) -> None:
    first = create(ctx, weibo, ORIGINAL, T0)
    with pytest.raises(ConflictRefusal) as caught:
        create(ctx, weibo, ORIGINAL, T0 + DAY)
    (error,) = [c for c in caught.value.conflicts if c.severity == "error"]
    assert (error.rule, error.other_task_ids, error.similarity) == (
        "identical_consecutive",
        [first.id],
        1.0,
    )
    assert error.fix.action == "edit_text"
    # With another post between them they are no longer consecutive: a warning only.
    create(ctx, weibo, OTHER, T0 + DAY)
    again = create(ctx, weibo, ORIGINAL, T0 + 2 * DAY)
    assert [(w.rule, w.similarity) for w in again.warnings] == [("near_duplicate", 1.0)]
    # WeChat does not refuse identical posts: reported, not refused.
    create(ctx, wechat, ORIGINAL, T0)
    repeat = create(ctx, wechat, ORIGINAL, T0 + DAY)
    assert [(w.rule, w.similarity) for w in repeat.warnings] == [("near_duplicate", 1.0)]


def test_the_duplicate_window_bounds_the_comparison(ctx, wechat) -> None:
    create(ctx, wechat, ORIGINAL, T0)
    assert create(ctx, wechat, NEAR, T0 + 91 * DAY).warnings == []  # default window: 90 days
    assert len(create(ctx, wechat, NEAR, T0 + 90 * DAY).warnings) == 2  # both within 90 days


def test_a_year_of_posts_is_searched_through_the_index(ctx, wechat) -> None:
    rng = random.Random(5)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你"
    posts = [
        NewTask(
            wechat.id,
            "wechat",
            "".join(rng.choice(alphabet) for _ in range(40)),
            T0 - timedelta(days=300) + i * timedelta(minutes=53),
        )
        for i in range(8000)
    ]
    posts.append(NewTask(wechat.id, "wechat", ORIGINAL, T0 - 10 * DAY))
    placed = ctx.store.create_tasks(posts, actor="test")
    near = create(ctx, wechat, NEAR, T0)
    assert [w.other_task_ids for w in near.warnings] == [[placed[-1].id]]


def test_the_stored_band_keys_bucket_as_datasketch_lsh_does() -> None:
    texts = [ORIGINAL, NEAR, OTHER, ORIGINAL + "！", "早安"]
    lsh = new_lsh()
    for i, text in enumerate(texts):
        lsh.insert(i, minhash(shingles(text)))
    for text in texts:
        keys = set(band_keys(text))
        sharing = {j for j, other in enumerate(texts) if keys & set(band_keys(other))}
        assert set(lsh.query(minhash(shingles(text)))) == sharing
    assert band_keys("！？。") == []  # nothing to compare


def test_band_keys_stay_the_keys_already_stored() -> None:
    """Stores hold the keys of every task: a change in how they are computed would hide every
    stored near duplicate from the checks. These were printed by the first implementation."""
    assert band_keys("早安，北京！新品上市 #新品# hello world")[:4] == [
        5851919868856561160,
        -6421701985033596140,
        3763175348145611679,
        6914353967597996265,
    ]
