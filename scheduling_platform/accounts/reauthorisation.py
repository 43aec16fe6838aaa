"""Re-authorising a held account: new credentials, checked with the platform, tasks released."""

from __future__ import annotations

from typing import Any

from scheduling_platform.lifecycle import AccountStatus
from scheduling_platform.platforms.base import PlatformClient
from scheduling_platform.platforms.credentials import with_grant
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore


def reauthorise(
    store: TaskStore,
    client: PlatformClient,
    account: Account,
    given: dict[str, Any],
    *,
    actor: str = "cli",
    replace: bool = False,
) -> Account:
    """New credentials for a held account: `given` merged in (or, with `replace`, instead of
    the stored ones, which are then never opened), or a token acquired from what the account
    holds; checked with the platform, then the account's tasks are released."""
    merged = dict(given) if replace else {**account.credentials, **given}
    if "access_token" in given:
        renewed = merged
    else:  # exchange what the account now holds (a new code, refresh token) for a token
        renewed = with_grant(merged, client.acquire_token(merged))
    check = client.validate_account(renewed)
    if not check.token_valid:
        raise ValueError(f"the platform still refuses the token: {check.detail}")
    store.update_credentials(account.id, renewed, actor=actor)
    store.set_account_status(account.id, AccountStatus.ACTIVE, actor=actor, detail="re-authorised")
    return store.get_account(account.id)
