"""Creating, moving and cancelling tasks: every check happens before anything is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduling_platform.lifecycle import WITHDRAWABLE, InvalidTransitionError, TaskStatus
from scheduling_platform.platforms.rules import rules_for
from scheduling_platform.publishing import withdrawal
from scheduling_platform.publishing.withdrawal import CancelResult, ClientFor
from scheduling_platform.scheduling.content_intake import prepare_platform_content
from scheduling_platform.settings import Settings, get_settings
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import InvalidTimeError, parse_user_time, utcnow, zone


class SchedulingError(ValueError):
    """A request to schedule that cannot be honoured; nothing was stored."""


MAX_TITLE = 200  # the store's column; platforms with shorter limits say so themselves


def horizon_days() -> int:
    """How many days ahead posts may be scheduled (`SCHEDULING_SCHEDULE_HORIZON_DAYS`)."""
    return get_settings().schedule_horizon_days


def check_storable(when: datetime, zone_name: str) -> None:
    """Refuse a time the store or its account's zone cannot show again (past year 9999)."""
    try:
        when.astimezone(UTC).astimezone(zone(zone_name)).isoformat()
        (when.astimezone(UTC) + timedelta(days=2)).astimezone(zone(zone_name))
    except (OverflowError, ValueError):
        raise InvalidTimeError(f"{when.isoformat()} is beyond the times the store keeps") from None


def within_horizon(when: datetime, zone_name: str, now: datetime, days: int | None = None) -> None:
    """Refuse a time further ahead than the horizon, or one the store cannot round-trip."""
    check_storable(when, zone_name)
    days = horizon_days() if days is None else days
    if when > now + timedelta(days=days):
        raise SchedulingError(
            f"{when.isoformat()} is more than {days} days ahead; posts are scheduled at most "
            "that far ahead (SCHEDULING_SCHEDULE_HORIZON_DAYS)"
        )


def future_time(
    at: str | datetime, zone_name: str, now: datetime, *, horizon: int | None = None
) -> datetime:
    """The time a post is due (UTC): after now, within the horizon (days; the settings')."""
    when = parse_user_time(at, zone_name) if isinstance(at, str) else at
    if when.tzinfo is None:
        raise SchedulingError("a time without a zone reached the scheduler")
    if when <= now:
        raise SchedulingError(f"{when.isoformat()} is in the past; pick a time after now")
    within_horizon(when, zone_name, now, horizon)
    return when


def _check_text(content: str, title: str | None, media: tuple[str, ...]) -> None:
    """What no platform and no database takes: NUL characters, titles past the column."""
    if any("\x00" in part for part in (content, title or "", *media)):
        raise SchedulingError("the text holds a NUL character (\\x00)")
    if title is not None and len(title) > MAX_TITLE:
        raise SchedulingError(f"title is {len(title)} characters; at most {MAX_TITLE} are kept")


def validate_post(
    account: Account,
    content: str,
    at: str | datetime,
    *,
    priority: int = 5,
    title: str | None = None,
    media: tuple[str, ...] = (),
    now: datetime,
    horizon: int | None = None,
) -> datetime:
    """Refuse what the platform can never take; returns the post's time (UTC). `horizon`:
    the days ahead allowed, when the caller has read them (else the settings')."""
    if not 1 <= priority <= 10:
        raise SchedulingError(f"priority must be between 1 and 10, not {priority}")
    _check_text(content, title, media)
    rules_for(account.platform).check(content, title, media)
    return future_time(at, account.timezone, now, horizon=horizon)


def take_in_media(
    account: Account, content: str, media: tuple[str, ...], settings: Settings | None
) -> tuple[str, ...]:
    """The deployment's own rules, then the media into the media store: the references the
    task keeps. Without settings a post may carry no media (nothing to take them in with)."""
    if settings is not None:
        return prepare_platform_content(account, content, media, settings=settings)
    if media:
        raise SchedulingError("media must be taken into the media store: pass the settings")
    return media


def schedule_task(
    store: TaskStore,
    account_id: int,
    content: str,
    at: str | datetime,
    *,
    priority: int = 5,
    title: str | None = None,
    media: tuple[str, ...] = (),
    now: datetime | None = None,
    actor: str = "cli",
    settings: Settings | None = None,
    workspace_id: int | None = None,
) -> Task:
    """Validate and store a task, without conflict checks (`placement.py` adds them); `at`
    without a zone is read in the account's zone.

    With `settings`, the deployment's own rules apply and the media are taken into the media
    store; with `workspace_id`, the account must belong to that workspace (else not found).
    """
    account = store.get_account(account_id, workspace_id=workspace_id)
    when = validate_post(
        account, content, at, priority=priority, title=title, media=media, now=now or utcnow()
    )
    media = take_in_media(account, content, media, settings)
    return store.create_task(
        account, content, when, priority=priority, title=title, media=media, actor=actor
    )


def cancel_task(
    store: TaskStore,
    task_id: int,
    actor: str = "cli",
    *,
    client_for: ClientFor = withdrawal.no_client,
    clock_skew: timedelta = withdrawal.DEFAULT_CLOCK_SKEW,
) -> CancelResult:
    """Cancel a task that has not gone out, up to the moment its send begins; a task whose
    post may be out is verified with the platform first (publishing/withdrawal.py)."""
    return withdrawal.cancel_task(store, client_for, task_id, actor=actor, clock_skew=clock_skew)


def reschedule_task(
    store: TaskStore,
    task_id: int,
    at: str | datetime,
    *,
    now: datetime | None = None,
    actor: str = "cli",
) -> Task:
    task = store.get_task(task_id)
    if task.status not in WITHDRAWABLE or task.status is TaskStatus.DRAFT:
        raise InvalidTransitionError(f"task {task_id} is {task.status} and cannot be moved")
    account = store.get_account(task.account_id)
    when = future_time(at, account.timezone, now or utcnow())
    return store.transition(
        task,
        TaskStatus.SCHEDULED,
        actor=actor,
        detail=f"moved to {when.isoformat()}",
        values={"scheduled_at": when, "not_before": None},
    )
