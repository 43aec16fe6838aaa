"""The task lifecycle: which status may follow which."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    PUBLISHING = "publishing"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETRYING = "retrying"
    FAILED = "failed"
    CANCELLED = "cancelled"
    NEEDS_ATTENTION = "needs_attention"
    POST_DELETED = "post_deleted"  # it went out and was taken down again (`tasks delete-post`)


S = TaskStatus

ALLOWED_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    S.DRAFT: frozenset({S.SCHEDULED, S.CANCELLED}),
    # -> needs_attention: a cancel asked the platform whether an earlier attempt went out and
    # it could not tell, or said yes (then on to published/submitted): publishing/withdrawal.py.
    S.SCHEDULED: frozenset({S.CLAIMED, S.CANCELLED, S.SCHEDULED, S.NEEDS_ATTENTION}),
    # A claim that is not started in time returns to the schedule (lease expiry); until its
    # send begins (-> publishing) it can still be cancelled or moved.
    S.CLAIMED: frozenset({S.PUBLISHING, S.SCHEDULED, S.CANCELLED, S.NEEDS_ATTENTION}),
    S.PUBLISHING: frozenset({S.SUBMITTED, S.PUBLISHED, S.RETRYING, S.FAILED, S.NEEDS_ATTENTION}),
    S.SUBMITTED: frozenset({S.PUBLISHED, S.FAILED, S.NEEDS_ATTENTION, S.POST_DELETED}),
    S.RETRYING: frozenset({S.CLAIMED, S.CANCELLED, S.FAILED, S.NEEDS_ATTENTION}),
    S.NEEDS_ATTENTION: frozenset(
        {S.PUBLISHED, S.SUBMITTED, S.SCHEDULED, S.FAILED, S.CANCELLED, S.NEEDS_ATTENTION}
    ),
    S.PUBLISHED: frozenset({S.POST_DELETED}),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.POST_DELETED: frozenset(),
}

# Statuses from which a person may still edit a task's content.
EDITABLE = frozenset({S.DRAFT, S.SCHEDULED, S.RETRYING, S.NEEDS_ATTENTION})
# Statuses from which a task can still be cancelled or moved: up to the moment its send
# begins (claimed -> publishing, one conditional UPDATE) it has not gone out. Not its
# content: a claimed task's publisher holds the text it read at claim time.
WITHDRAWABLE = EDITABLE | {S.CLAIMED}
# Statuses the claimer picks up when they are due.
CLAIMABLE = frozenset({S.SCHEDULED, S.RETRYING})
# Posts that are out or on their way: what a new post of the same account may conflict with.
# Drafts are not on the schedule; cancelled and failed posts never go out.
OCCUPYING = frozenset(
    {S.SCHEDULED, S.CLAIMED, S.PUBLISHING, S.SUBMITTED, S.PUBLISHED, S.RETRYING, S.NEEDS_ATTENTION}
)


class InvalidTransitionError(ValueError):
    """A status change the lifecycle does not allow, or that lost a race."""


def check_transition(current: TaskStatus, target: TaskStatus) -> None:
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransitionError(f"a {current} task cannot become {target}")


class AccountStatus(StrEnum):
    """An account's standing: the claim query holds the tasks of any account not `active`."""

    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    DISABLED = "disabled"  # switched off by an operator; its tasks wait until it is enabled


class SeriesStatus(StrEnum):
    """A recurring series: `active` ones are expanded ahead; `cancelled` ones never again."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class ModelStatus(StrEnum):
    """A model version in the registry; exactly one is `promoted` (in use) at a time."""

    CANDIDATE = "candidate"
    PROMOTED = "promoted"
    RETIRED = "retired"
    REJECTED = "rejected"
    ROLLED_BACK = "rolled_back"


class ErrorKind(StrEnum):
    """What a failed attempt's error means for its task (the platform clients classify)."""

    RETRYABLE = "retryable"  # rate limit, 5xx, timeout: try again later
    AUTH = "auth"  # token expired or revoked: refresh once, else re-authorise
    REJECTED = "rejected"  # content refused or review failed: fail with the platform's message
    QUOTA = "quota"  # today's quota is spent: move to the next allowed window
    UNKNOWN_OUTCOME = "unknown_outcome"  # the request may have gone through: reconcile first
