"""Publishing with a token that may have expired: refresh once, keep the new one, retry."""

from __future__ import annotations

from scheduling_platform.platforms.base import (
    ErrorKind,
    PlatformClient,
    PlatformError,
    Post,
    PublishResult,
)
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore


def publish_with_token_refresh(
    store: TaskStore, client: PlatformClient, account: Account, post: Post
) -> PublishResult:
    try:
        return client.publish(account.credentials, post)
    except PlatformError as exc:
        if exc.kind is not ErrorKind.AUTH:
            raise
    grant = client.acquire_token(account.credentials)
    credentials = {**account.credentials, "access_token": grant.access_token}
    if grant.refresh_token:
        credentials["refresh_token"] = grant.refresh_token
    store.update_credentials(account.id, credentials)
    return client.publish(credentials, post)
