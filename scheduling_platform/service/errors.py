"""The refusals an operation may answer with: bad input or a state that forbids it.

Every interface turns these into one clear message (the CLI's "Error: ...", the API's problem
details) and nothing is stored; anything else is a bug and shows as one.
"""

from __future__ import annotations

from scheduling_platform.lifecycle import InvalidTransitionError
from scheduling_platform.platforms.base import PlatformError
from scheduling_platform.store.records import NotFoundError
from scheduling_platform.vault import VaultError

# ValueError covers SchedulingError, ContentRejectedError, InvalidTimeError,
# DuplicateAccountError, UnsupportedPlatformError, RegistryError and InvalidTransitionError.
REFUSALS: tuple[type[Exception], ...] = (
    ValueError,
    NotFoundError,
    InvalidTransitionError,
    PlatformError,
    VaultError,  # a missing or unknown key, tampered credentials
)
