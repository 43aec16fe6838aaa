"""Creating one post by its strategy: validated, placed and stored in one placement, with the
strategy applied, the model's version, prediction and uncertainty kept on the task."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from scheduling_platform.intelligence.exploration import Exploration, explores
from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.scheduling.placement import Placement, Strategy, parse_strategy, place
from scheduling_platform.scheduling.strategies.choose import (
    IMMEDIATE_LEAD,
    SEARCHING,
    Decision,
    decide,
    with_predictions,
)
from scheduling_platform.scheduling.strategies.load_balance import Assigned, Item, assign
from scheduling_platform.scheduling.strategies.reasons import peak_reason
from scheduling_platform.scheduling.strategies.scores import Predictor, window_text
from scheduling_platform.scheduling.strategies.windows import PostingWindow
from scheduling_platform.scheduling.tasks import SchedulingError, take_in_media, validate_post
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.tasks import NewTask

ANY = frozenset(Strategy)


def resolve_strategy(value: str | None, at: object) -> Strategy:
    """The strategy a create names; unnamed: `fixed` with a time, `optimal_time` without.

    With a time, `optimal_time`, `user_preference` and `load_balance` search from it (the
    window starts there); `immediate` takes none.
    """
    if value is None or value == "":
        return Strategy.FIXED if at is not None else Strategy.OPTIMAL_TIME
    strategy = parse_strategy(value, ANY)
    if strategy is Strategy.IMMEDIATE and at is not None:
        raise SchedulingError("strategy immediate takes no time: it goes out now")
    if strategy not in SEARCHING and strategy is not Strategy.IMMEDIATE and at is None:
        raise SchedulingError(f"strategy {strategy} keeps the asked time: give one (--at)")
    return strategy


def start_of(strategy: Strategy, at: str | datetime | None, now: datetime) -> str | datetime:
    """The time a post is validated at: now for immediate, the window start for searches."""
    if strategy is Strategy.IMMEDIATE or at is None:
        return now + IMMEDIATE_LEAD
    return at


def exploring(
    strategy: Strategy, settings: Settings | None, rng: np.random.Generator | None
) -> Exploration | None:
    """How an `optimal_time` decision explores, for the configured share of them
    (`exploration_share`, draws `exploration_width` wide); None for the decisions that take
    the best prediction."""
    share = settings.exploration_share if settings is not None else 0.0
    if settings is None or strategy is not Strategy.OPTIMAL_TIME or share <= 0:
        return None
    rng = rng if rng is not None else np.random.default_rng()
    return Exploration(rng, settings.exploration_width) if explores(share, rng) else None


def preferred_windows(store: TaskStore, account_id: int) -> list[PostingWindow]:
    return [PostingWindow(*row) for row in store.posting_windows([account_id]).get(account_id, [])]


def decision_for_assigned(
    checker: ConflictChecker,
    predictor: Predictor,
    account: Account,
    post: Post,
    assigned: Assigned,
    title: str | None,
    now: datetime,
) -> Decision:
    placement: Placement = place(
        checker, account, replace(post, at=assigned.at), Strategy.FIXED, now
    )
    scores, index = assigned.scores, assigned.index
    crowd = (
        "first post of the account in that hour"
        if assigned.crowding == 0
        else f"crowding penalty {assigned.crowding:.2f} (posts of the account in that hour)"
    )
    reasons = (
        peak_reason(account.platform, account.timezone, assigned.scores, assigned.index),
        f"assigned as part of the whole batch: value {assigned.value:.2f}x median; {crowd}",
    )
    return Decision(
        placement,
        Strategy.LOAD_BALANCE,
        Strategy.LOAD_BALANCE,
        reasons,
        None,
        predictor.version,
        float(scores.predicted[index]),
        scores.uncertainty(index),
        slot=(scores, index, account, post.content, post.media, title),
    )


def new_task(
    account: Account,
    post: Post,
    decision: Decision,
    priority: int,
    title: str | None,
    **extra: object,
) -> NewTask:
    return NewTask(
        account.id,
        account.platform,
        post.content,
        decision.at,
        priority,
        title,
        post.media,
        detail=decision.detail,
        strategy=str(decision.applied),
        model_version=decision.model_version,
        predicted_engagement=decision.predicted,
        prediction_uncertainty=decision.uncertainty,
        explored=decision.explored if decision.model_version else None,
        **extra,  # type: ignore[arg-type]
    )


def create_by_strategy(
    store: TaskStore,
    rules: ConflictRules,
    account_id: int,
    content: str,
    at: str | datetime | None,
    *,
    strategy: Strategy,
    window: timedelta,
    now: datetime,
    priority: int = 5,
    title: str | None = None,
    media: tuple[str, ...] = (),
    actor: str = "cli",
    settings: Settings | None = None,
    workspace_id: int | None = None,
    rng: np.random.Generator | None = None,
    account: Account | None = None,
) -> tuple[Task, Decision]:
    """Validate, choose the time by `strategy`, check and store one post (raises
    ConflictsFoundError with the conflicts, SchedulingError when nothing is free).

    A model-timed task records whether its slot was explored (`settings.exploration_share`
    of `optimal_time` decisions are; `rng` draws which). `account`, when the caller has read
    it already (in `workspace_id`), spares reading it again.
    """
    if account is None or account.id != account_id:
        account = store.get_account(account_id, workspace_id=workspace_id)
    when = validate_post(
        account,
        content,
        start_of(strategy, at, now),
        priority=priority,
        title=title,
        media=media,
        now=now,
    )
    media = take_in_media(account, content, media, settings)
    post = Post(account.id, account.platform, content, when, media)
    predictor = Predictor(store) if strategy in SEARCHING else None
    windows = preferred_windows(store, account.id) if strategy is Strategy.USER_PREFERENCE else []
    with store.placing([account.id]) as conn:
        checker = ConflictChecker(store, rules, conn)
        if strategy is Strategy.LOAD_BALANCE and predictor is not None:
            result = assign(
                checker, predictor, [Item(0, account, post, title)], window=window, now=now
            )
            if 0 not in result.slots:
                free = f"no slot of the {window_text(window)} window is free of conflicts"
                raise SchedulingError(free)
            decision = decision_for_assigned(
                checker, predictor, account, post, result.slots[0], title, now
            )
        else:
            decision = decide(
                checker,
                account,
                post,
                strategy,
                now,
                predictor=predictor,
                window=window,
                windows=windows,
                title=title,
                explore=exploring(strategy, settings, rng),
            )
        (decision,) = with_predictions(predictor, [decision])
        new = new_task(account, post, decision, priority, title)
        (task,) = store.create_tasks([new], actor=actor, conn=conn)
    return task, decision
