"""The nearest free good slot: the closest time at which a post has no time-bound error.

The forbidden times are unions of open intervals (another post +- the gap, the same media +-
the media gap) and full quota windows, so the nearest allowed time is the asked time or one of
their ends; those are the only candidates tried, nearest first (a tie goes to the later one:
a post late by some minutes is better than one early).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.conflicts.neighbourhood import Neighbourhood
from scheduling_platform.scheduling.conflicts.overlap import time_overlap
from scheduling_platform.scheduling.conflicts.quotas import day_window, hour_window, quota_conflicts
from scheduling_platform.scheduling.conflicts.resources import media_reuse
from scheduling_platform.scheduling.conflicts.rules import SLOT_LEAD, SLOT_SEARCH, ConflictRules

EDGE = timedelta(minutes=1)  # how far before a full quota window a slot is tried
FIRST_SEARCH = timedelta(days=1)


def time_bound_errors(post: Post, hood: Neighbourhood, rules: ConflictRules) -> bool:
    """Whether the post at its time breaks a rule a move resolves (the same text as the post
    before is not one: its fix is editing the text, and a placement re-checks it anyway)."""
    gap = rules.gap(post.platform)
    if gap and hood.any_within(post.at, gap, post.task_id):
        return True  # the usual refusal, answered without building its conflict
    return bool(
        time_overlap(post, hood, rules)
        or media_reuse(post, hood, rules)
        or quota_conflicts(post, hood, rules)
    )


def _candidates(
    post: Post, hood: Neighbourhood, rules: ConflictRules, now: datetime, search: timedelta
) -> list[datetime]:
    """The times within `search` of the post a free slot can start at, nearest first; they
    and the checks at them depend on the posts within `search` + reach only."""
    gap, media_gap = rules.gap(post.platform), rules.media_gap
    earliest = max(post.at - search, now + SLOT_LEAD)
    latest = post.at + search
    points = {post.at, earliest}
    mine = set(post.media)
    reach = rules.reach(post.platform)
    for other in hood.between(earliest - reach, latest + reach):
        points |= {other.at - gap, other.at + gap}
        if mine & set(other.media):
            points |= {other.at - media_gap, other.at + media_gap}
        for start, end in (hour_window(other.at), day_window(other.at)):
            points |= {start - EDGE, end}
    inside = (p for p in points if earliest <= p <= latest)
    return sorted(inside, key=lambda p: (abs(p - post.at), p < post.at))


def nearest_free_slot(
    post: Post, hood: Neighbourhood, rules: ConflictRules, now: datetime
) -> datetime | None:
    """The nearest time within a week either side (and not before `now` + a minute) at which
    the post breaks no time-bound rule; None if there is none.

    The day either side first: a slot is nearly always free there, and the week's search
    reads a week of posts either side of it."""
    reach = rules.reach(post.platform)
    tried = timedelta(0)
    for search in (FIRST_SEARCH, SLOT_SEARCH):
        hood.ensure_span(post.at - search - reach, post.at + search + reach)
        for at in _candidates(post, hood, rules, now, search):
            if abs(at - post.at) <= tried:
                continue  # a nearer search tried it
            if not time_bound_errors(replace(post, at=at), hood, rules):
                return at
        tried = search
    return None
