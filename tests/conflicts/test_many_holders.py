"""A text many posts of an account share (every band key held by a dozen posts or more): each
one is found, whether read from the store or accepted earlier in the same batch."""

from __future__ import annotations

from datetime import timedelta

from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post, Rule
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.store.tasks import NewTask
from tests.conflicts.conftest import T0
from tests.conflicts.test_duplicates import ORIGINAL

DAY = timedelta(days=1)
ZERO = timedelta(0)


def _near(result) -> list[int]:
    return sorted(
        i for c in result.conflicts if c.rule == Rule.NEAR_DUPLICATE for i in c.other_task_ids
    )


def test_every_post_sharing_the_text_is_named(ctx, wechat) -> None:
    stored = ctx.store.create_tasks(
        [NewTask(wechat.id, "wechat", ORIGINAL, T0 - (i + 1) * DAY) for i in range(13)],
        actor="test",
    )
    checker = ConflictChecker(ctx.store, ConflictRules())
    first = Post(wechat.id, "wechat", ORIGINAL, T0)
    checker.prepare([(first, ZERO), (Post(wechat.id, "wechat", ORIGINAL, T0 + 20 * DAY), ZERO)])
    assert _near(checker.check(wechat, first, T0 - 30 * DAY)) == sorted(t.id for t in stored)
    # A batch's own posts count as well: a dozen more accepted, each named by the next.
    accepted = [
        checker.accept(Post(wechat.id, "wechat", ORIGINAL, T0 + i * DAY)) for i in range(12)
    ]
    last = checker.check(wechat, Post(wechat.id, "wechat", ORIGINAL, T0 + 20 * DAY), T0)
    assert _near(last) == sorted([*accepted, *(t.id for t in stored)])
