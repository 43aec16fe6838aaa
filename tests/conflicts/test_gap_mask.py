"""The slot search's gap mask (`Neighbourhood.within_gap`) answers as `any_within` does for
every slot: posts read from the store, posts accepted in the batch, a post left out (being
moved) and the edges of the gap, exactly."""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np

from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.conflicts.neighbourhood import micros_of
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.store.tasks import NewTask
from tests.conflicts.conftest import T0

GAP = timedelta(minutes=30)


def test_the_mask_agrees_with_any_within_slot_by_slot(ctx, wechat) -> None:
    rng = random.Random(3)
    stored = ctx.store.create_tasks(
        [
            NewTask(
                wechat.id, "wechat", f"post {i}", T0 + timedelta(minutes=rng.randrange(0, 3000))
            )
            for i in range(40)
        ],
        actor="test",
    )
    checker = ConflictChecker(ctx.store, ConflictRules())
    checker.prepare([(Post(wechat.id, "wechat", "x", T0), 3 * GAP * 40)])
    hood = checker.neighbourhood(wechat.id)
    for k in range(5):  # accepted in the batch: they block too
        at = T0 + timedelta(minutes=700 * k + 13)
        checker.accept(Post(wechat.id, "wechat", f"new {k}", at))
    # Every minute over the span, and each post's time exactly one gap away (not blocked).
    times = [T0 + timedelta(minutes=m) for m in range(-60, 3100)]
    times += [p.scheduled_at + GAP for p in stored] + [p.scheduled_at - GAP for p in stored]
    micros = np.array([micros_of(t) for t in times], dtype=np.int64)
    # The post being moved: one no other post (stored or accepted) is near.
    accepted = [T0 + timedelta(minutes=700 * k + 13) for k in range(5)]
    lonely = next(
        t
        for t in stored
        if all(abs(o.scheduled_at - t.scheduled_at) >= 2 * GAP for o in stored if o.id != t.id)
        and all(abs(a - t.scheduled_at) >= 2 * GAP for a in accepted)
    )
    moved, at = lonely.id, lonely.scheduled_at
    for task_id in (None, moved):
        mask = hood.within_gap(micros, GAP, task_id)
        expected = [hood.any_within(t, GAP, task_id) for t in times]
        assert mask.tolist() == expected
        assert 0 < sum(expected) < len(expected)
    near = np.array([micros_of(at), micros_of(at + timedelta(minutes=1))], dtype=np.int64)
    assert hood.within_gap(near, GAP, None).tolist() == [True, True]
    assert hood.within_gap(near, GAP, moved).tolist() == [False, False]
    # A post left out of the checks (excluded: it is the one being moved) blocks nothing.
    hood.exclude(moved)
    assert hood.within_gap(near, GAP, None).tolist() == [False, False]
