"""The refusals an operation may answer with: bad input or a state that forbids it.

Every interface turns these into one clear message (the CLI's "Error: ...", the API's problem
details) and nothing is stored; anything else is a bug and shows as one.
"""

from __future__ import annotations

from scheduling_platform.lifecycle import InvalidTransitionError
from scheduling_platform.platforms.base import PlatformError
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.vault import VaultError


class AuthenticationError(Exception):
    """A request's credentials do not name a live API key (the API answers 401)."""


class ConflictError(ValueError):
    """The request collides with another one (an idempotency key in use, say): 409."""


class UnavailableError(Exception):
    """A part the operation needs (the Dagster webserver, say) cannot be reached now: 503."""


# ValueError covers SchedulingError, ContentRejectedError, InvalidTimeError,
# DuplicateAccountError, DuplicateNameError, UnsupportedPlatformError, RegistryError,
# ConflictError and InvalidTransitionError.
REFUSALS: tuple[type[Exception], ...] = (
    ValueError,
    NotFoundError,
    InvalidTransitionError,
    PlatformError,
    VaultError,  # a missing or unknown key, tampered credentials
    UnavailableError,
)
