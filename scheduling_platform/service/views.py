"""What operations answer with: typed views of accounts and tasks, never a credential."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

from scheduling_platform.store.records import Account, Task

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
    status: str
    credential_fields: list[str]  # which fields the credentials hold; never their values
    followers: int | None
    created_at: Timestamp

    @classmethod
    def of(cls, account: Account) -> AccountView:
        return cls(
            id=account.id,
            platform=account.platform,
            name=account.name,
            timezone=account.timezone,
            status=str(account.status),
            credential_fields=sorted(account.credentials),
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

    @classmethod
    def of(cls, task: Task) -> TaskView:
        fields = {name: getattr(task, name) for name in _TASK_FIELDS}
        # The store's row is typed already: constructing without validation halves the cost
        # of a listing's page.
        return cls.model_construct(
            **{**fields, "status": str(task.status), "media": list(task.media)}
        )


_TASK_FIELDS = tuple(TaskView.model_fields)


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
