"""What operations answer with: typed views of accounts and tasks, never a credential."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from scheduling_platform.scheduling.conflicts.model import Conflict
from scheduling_platform.scheduling.placement import Placement
from scheduling_platform.store.records import Account, Task
from scheduling_platform.timeutil import in_zone

# ISO 8601 with the offset spelled out (`+00:00`), as the stored UTC time reads.
Timestamp = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str)]


class View(BaseModel):
    model_config = ConfigDict(frozen=True)

    def data(self) -> dict[str, Any]:
        """The view as JSON-ready data (what `--json` prints and the API returns)."""
        return self.model_dump(mode="json")


class AccountView(View):
    id: int
    platform: str
    name: str
    timezone: str
    status: str  # needs_reauth also while the credentials cannot be opened (a lost key)
    credential_fields: list[str]  # which fields the credentials hold; never their values
    followers: int | None
    created_at: Timestamp

    @classmethod
    def of(cls, account: Account) -> AccountView:
        readable = account.credentials_problem() is None
        return cls(
            id=account.id,
            platform=account.platform,
            name=account.name,
            timezone=account.timezone,
            status=str(account.effective_status),
            credential_fields=sorted(account.credentials) if readable else [],
            followers=account.followers,
            created_at=account.created_at,
        )


class TaskView(View):
    id: int
    workspace_id: int
    account_id: int
    platform: str
    title: str | None
    content: str
    scheduled_at: Timestamp
    priority: int
    status: str
    lease_version: int
    claim_batch: str | None
    lease_expires_at: Timestamp | None
    attempt_count: int
    platform_post_id: str | None
    last_error: str | None
    published_at: Timestamp | None
    model_version: str | None
    not_before: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    predicted_engagement: float | None
    prediction_uncertainty: float | None
    media: list[str]
    series_id: int | None = None
    occurrence_start: Timestamp | None = None  # the series occurrence it is (kept if moved)
    strategy: str | None = None  # how its time was chosen (None: before strategies were kept)

    @classmethod
    def of(cls, task: Task) -> TaskView:
        fields = {name: getattr(task, name) for name in _TASK_FIELDS}
        # The store's row is typed already: constructing without validation halves the cost
        # of a listing's page.
        return cls.model_construct(
            **{**fields, "status": str(task.status), "media": list(task.media)}
        )


_TASK_FIELDS = tuple(TaskView.model_fields)


class FixView(View):
    action: str  # move | edit_text | reauthorise | enable_account
    text: str
    at: Timestamp | None  # move: the nearest free good slot (None: none found)
    local_at: str | None  # the same in the account's zone, ISO 8601 with offset


class ConflictView(View):
    """One conflict: its type and rule, how bad, the other tasks, and what would fix it."""

    type: str  # time_overlap | resource | platform_limit | duplicate_content
    rule: str
    severity: str  # error (refuses) | warning (reported)
    message: str
    other_task_ids: list[int]
    similarity: float | None  # duplicate_content: Jaccard of character bigrams
    fix: FixView

    @classmethod
    def of(cls, conflict: Conflict, zone_name: str) -> ConflictView:
        fix = conflict.fix
        return cls(
            type=str(conflict.type),
            rule=str(conflict.rule),
            severity=str(conflict.severity),
            message=conflict.message,
            other_task_ids=list(conflict.other_task_ids),
            similarity=conflict.similarity,
            fix=FixView(
                action=str(fix.action),
                text=fix.text,
                at=fix.at,
                local_at=in_zone(fix.at, zone_name).isoformat() if fix.at else None,
            ),
        )

    @classmethod
    def all(cls, conflicts: Iterable[Conflict], zone_name: str) -> list[ConflictView]:
        return [cls.of(c, zone_name) for c in conflicts]


class ScheduledTaskView(TaskView):
    """A task just placed: the warnings it goes out with, and the errors a move resolved."""

    warnings: list[ConflictView] = []
    resolved: list[ConflictView] = []  # errors at the asked time (conflict_avoidance moved it)
    moved_from: Timestamp | None = None
    local_time: str | None = None  # scheduled_at in the account's zone, ISO 8601
    reasons: list[str] = []  # why this time, in words (strategies that choose one)
    fallback: str | None = None  # why the strategy asked for could not be followed
    dispatch: str | None = None  # due before the sensor's next tick: the run started for it

    @classmethod
    def placed(
        cls,
        task: Task,
        placement: Placement,
        zone_name: str,
        reasons: Iterable[str] = (),
        fallback: str | None = None,
    ) -> ScheduledTaskView:
        return cls(
            **TaskView.of(task).model_dump(),
            warnings=ConflictView.all(placement.result.warnings, zone_name),
            resolved=ConflictView.all(placement.resolved, zone_name),
            moved_from=placement.moved_from,
            local_time=in_zone(task.scheduled_at, zone_name).isoformat(),
            reasons=list(reasons),
            fallback=fallback,
        )


class AttemptView(View):
    id: int
    task_id: int
    attempt_no: int
    run_id: str | None
    started_at: Timestamp
    finished_at: Timestamp | None
    outcome: str | None
    error_kind: str | None
    error: str | None
    platform_post_id: str | None


class AuditView(View):
    id: int
    task_id: int | None
    account_id: int | None
    at: Timestamp
    actor: str
    from_status: str | None
    to_status: str | None
    detail: str | None
    api_key_id: int | None = None  # the API key that made the change, if one did
    client_address: str | None = None


class TaskDetail(TaskView):
    """A task with its attempts and its audit trail."""

    attempts: list[AttemptView]
    audit: list[AuditView]


class TaskPage(View):
    """One page of a task listing; `next_cursor` fetches the next (None: the last page)."""

    items: list[TaskView]
    next_cursor: str | None
