"""The refusals an operation may answer with: bad input or a state that forbids it.

Every interface turns these into one clear message (the CLI's "Error: ...", the API's problem
details) and nothing is stored; anything else is a bug and shows as one.
"""

from __future__ import annotations

from typing import Any

from scheduling_platform.lifecycle import InvalidTransitionError
from scheduling_platform.platforms.base import PlatformError
from scheduling_platform.service.views import ConflictView, TaskView
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.vault import VaultError


class AuthenticationError(Exception):
    """A request's credentials do not name a live API key (the API answers 401)."""


class ConflictError(ValueError):
    """The request collides with another one (an idempotency key in use, say): 409."""


class UnavailableError(Exception):
    """A part the operation needs (the Dagster webserver, say) cannot be reached now: 503."""


class ConflictRefusal(ValueError):
    """A post refused for its conflicts; `conflicts` are all of them (errors and warnings),
    as views. The CLI prints them; the API answers 409 with `data()` as the body."""

    def __init__(self, message: str, conflicts: list[ConflictView]) -> None:
        super().__init__(message)
        self.conflicts = conflicts

    def data(self) -> dict[str, Any]:
        return {"error": str(self), "conflicts": [c.data() for c in self.conflicts]}


class NotCancelledError(InvalidTransitionError):
    """A cancel that did not cancel: the post is out, being sent, or the platform cannot tell
    (then held). `outcome` says which and `task` is the task as it now stands: 409."""

    def __init__(self, message: str, outcome: str, task: TaskView) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.task = task

    def data(self) -> dict[str, Any]:
        return {"error": str(self), "outcome": self.outcome, "task": self.task.data()}


class BatchLimitError(ValueError):
    """A batch with more tasks than the limit: refused whole, nothing created."""


# ValueError covers SchedulingError, ContentRejectedError, InvalidTimeError,
# DuplicateAccountError, DuplicateNameError, UnsupportedPlatformError, RegistryError,
# ConflictError, InvalidTransitionError, NotCancelledError, ConflictRefusal and BatchLimitError.
REFUSALS: tuple[type[Exception], ...] = (
    ValueError,
    NotFoundError,
    InvalidTransitionError,
    PlatformError,
    VaultError,  # a missing or unknown key, tampered credentials
    UnavailableError,
)
