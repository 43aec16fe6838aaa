"""Publishing with a token that may have expired: refresh once, keep the new one, retry;
if that fails too, mark the account as needing re-authorisation so its tasks are held."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

from scheduling_platform.platforms.base import (
    ErrorKind,
    PlatformClient,
    PlatformError,
    Post,
    PublishResult,
    TokenGrant,
)
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import ACTIVE_ACCOUNT, TaskStore

log = logging.getLogger(__name__)

NEEDS_REAUTH = "needs_reauth"

# One refresh at a time per account in this process: some platforms (WeChat) end the old
# token when a new one is fetched, so parallel refreshes would undo each other.
_refresh_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


def refresh_credentials(
    store: TaskStore, client: PlatformClient, account: Account
) -> dict[str, Any]:
    """Acquire a new access token from what the account holds, store it, return the result."""
    credentials = with_grant(account.credentials, client.acquire_token(account.credentials))
    store.update_credentials(account.id, credentials)
    return credentials


def with_grant(credentials: dict[str, Any], grant: TokenGrant) -> dict[str, Any]:
    """`credentials` holding the new token (and refresh token, expiries) of `grant`.

    The grant's extra fields (open_id, when the refresh token ends, ...) are kept too: a
    Douyin refresh token is renewed by what they say.
    """
    renewed = {**credentials, **grant.extra, "access_token": grant.access_token}
    if grant.refresh_token:
        renewed["refresh_token"] = grant.refresh_token
    if grant.expires_at is not None:
        renewed["expires_at"] = grant.expires_at.isoformat()
    return renewed


def hold_account(store: TaskStore, account: Account, exc: PlatformError) -> PlatformError:
    """Mark the account `needs_reauth` (its tasks are held); the error to raise for the task."""
    if store.set_account_status(
        account.id, NEEDS_REAUTH, actor="publish_job", detail=exc.platform_message
    ):
        log.warning(
            "%s account %s (%s) needs re-authorisation, its tasks are held: %s",
            account.platform,
            account.id,
            account.name,
            exc.platform_message,
        )
    return PlatformError(
        ErrorKind.AUTH,
        f"{exc.platform_message} (the account needs re-authorisation; its tasks are held)",
        code=exc.code,
    )


def publish_with_token_refresh(
    store: TaskStore, client: PlatformClient, account: Account, post: Post
) -> PublishResult:
    try:
        return client.publish(account.credentials, post)
    except PlatformError as exc:
        if exc.kind is not ErrorKind.AUTH:
            raise
        first = exc
    with _refresh_locks[account.id]:
        current = store.get_account(account.id)
        if current.status != ACTIVE_ACCOUNT:  # another task of the account gave up already
            raise hold_account(store, current, first)
        if current.credentials.get("access_token") != account.credentials.get("access_token"):
            # Another task refreshed since this one read the account: try its token first.
            try:
                return client.publish(current.credentials, post)
            except PlatformError as exc:
                if exc.kind is not ErrorKind.AUTH:
                    raise
        try:
            credentials = refresh_credentials(store, client, current)
        except PlatformError as exc:
            if exc.kind is ErrorKind.AUTH:
                raise hold_account(store, current, exc) from None
            raise
    try:
        return client.publish(credentials, post)
    except PlatformError as exc:
        if exc.kind is ErrorKind.AUTH:
            raise hold_account(store, current, exc) from None
        raise
