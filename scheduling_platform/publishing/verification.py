"""After an unknown outcome: which post on the platform, if any, is this task's own.

An earlier attempt may have gone out (a timeout, a 5xx after sending, an answer lost). Before
sending again the publisher asks the platform, and takes a post as the task's only when it is
the one post that

- carries what the attempt sent, as far as the platform shows it (the client's
  `find_candidates`: text, title, abstract, a picture, its own origin URL);
- the platform created at or after the earliest such attempt began, less `clock_skew`;
- no other task holds (the store's post holders, on any account of the platform);
- no other unresolved task of the account (sending now, or its own outcome unknown) would
  take as its own by the same rules (its own lookup, in its own window, finds it too).

None left: the post did not go out, send it. One: it is the task's. More, or one that another
unresolved task may own: the platform cannot tell them apart, and the publisher asks again
later, then leaves it to a person with this evidence (error_policy.py). It never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scheduling_platform.platforms.base import Candidate, PlatformClient, Post, created_in_window
from scheduling_platform.store.records import Task
from scheduling_platform.store.task_store import TaskStore

DEFAULT_CLOCK_SKEW = timedelta(seconds=120)


@dataclass(frozen=True)
class Identification:
    """What the platform says about a task's earlier attempts."""

    platform_post_id: str | None = None  # the task's own post
    cannot_tell: str | None = None  # why not, with the candidates: ask again later
    # Neither: the earlier attempts did not go out.


def post_of(task: Task, not_before: datetime | None = None) -> Post:
    """What an attempt of `task` sends."""
    return Post(task.id, task.content, task.title, task.media, not_before=not_before)


def identify(
    store: TaskStore,
    client: PlatformClient,
    credentials: dict[str, Any],
    task: Task,
    *,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> Identification:
    """Find `task`'s own post after an unknown outcome; PlatformError when the lookup fails.

    `task` is the task during its current attempt (the earlier ones are verified).
    """
    since = store.unknown_since(task)
    not_before = since - clock_skew if since is not None else None
    post = post_of(task, not_before)
    candidates = [
        c
        for c in client.find_candidates(credentials, post)
        if created_in_window(c.created_at, not_before)
    ]
    held = store.post_holders(
        task.platform, (c.platform_post_id for c in candidates), other_than=task.id
    )
    free = [c for c in candidates if c.platform_post_id not in held]
    if not free:
        return Identification()
    # A rival's lookup is asked only when the platform may show its post like this one.
    contested: dict[str, list[int]] = {c.platform_post_id: [] for c in free}
    for rival in store.unresolved_of_account(task):
        if not client.looks_alike(post, post_of(rival.task)):
            continue
        theirs = client.find_candidates(credentials, post_of(rival.task, rival.since - clock_skew))
        for c in theirs:
            if c.platform_post_id in contested:
                contested[c.platform_post_id].append(rival.task.id)
    if len(free) == 1 and not contested[free[0].platform_post_id]:
        return Identification(platform_post_id=free[0].platform_post_id)
    return Identification(cannot_tell=_evidence(free, contested, held, not_before))


def _evidence(
    free: list[Candidate],
    contested: dict[str, list[int]],
    held: dict[str, int],
    not_before: datetime | None,
) -> str:
    """Why the platform cannot tell which post is the task's: every candidate, and who else
    may own it. Post ids and times only: never content or credentials."""

    def one(c: Candidate) -> str:
        made = c.created_at.isoformat() if c.created_at else "time not shown"
        rivals = contested[c.platform_post_id]
        also = f", also possibly task {', '.join(map(str, rivals))}'s" if rivals else ""
        return f"{c.platform_post_id} (created {made}{also})"

    since = f" since {not_before.isoformat()}" if not_before else ""
    text = f"cannot tell which post is this task's: {len(free)} alike{since}: "
    text += "; ".join(one(c) for c in free)
    if held:
        text += f"; not counting {len(held)} held by other tasks"
    return text
