"""Adding accounts: checks the platform, and against the sandbox fetches a token itself."""

from __future__ import annotations

from typing import Any

import httpx

from scheduling_platform.platforms.registry import check_platform, make_client, sandbox_base_url
from scheduling_platform.settings import Settings
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import zone

MAX_NAME = 200  # the store's column
MAX_FOLLOWERS = 2**63 - 1  # a 64-bit column


def add_account(
    store: TaskStore,
    settings: Settings,
    *,
    platform: str,
    name: str,
    credentials: dict[str, Any] | None = None,
    timezone: str | None = None,
    followers: int | None = None,
    actor: str = "cli",
    workspace_id: int | None = None,
) -> Account:
    """Store an account; without credentials, authorise it against the sandbox."""
    check_platform(platform)
    if not name.strip():
        raise ValueError("the account name is empty")
    if len(name) > MAX_NAME or "\x00" in name:
        raise ValueError(f"the account name must be at most {MAX_NAME} characters, without NUL")
    if followers is not None and followers > MAX_FOLLOWERS:
        raise ValueError(f"followers must be at most {MAX_FOLLOWERS}, not {followers}")
    if followers is not None and followers < 0:
        raise ValueError(f"followers must be 0 or more, not {followers}")
    timezone = timezone or settings.default_timezone
    zone(timezone)  # refuse an unknown zone before anything is stored
    if credentials is None:
        credentials = sandbox_credentials(platform, name, settings)
        if followers is not None:
            tell_sandbox_followers(platform, name, followers, settings)
    if workspace_id is None:
        return store.add_account(platform, name, timezone, credentials, followers, actor=actor)
    return store.add_account(
        platform, name, timezone, credentials, followers, actor=actor, workspace_id=workspace_id
    )


def tell_sandbox_followers(platform: str, name: str, followers: int, settings: Settings) -> None:
    """The sandbox scales a sandbox account's engagement by its size, as the profile says."""
    response = httpx.post(
        f"{settings.sandbox_url.rstrip('/')}/_sandbox/accounts",
        json={"platform": platform, "account": name, "followers": followers},
        timeout=10,
    )
    response.raise_for_status()


def sandbox_credentials(platform: str, name: str, settings: Settings) -> dict[str, Any]:
    client = make_client(platform, sandbox_base_url(platform, settings))
    code = f"sandbox-{name}"
    grant = client.acquire_token({"authorization_code": code})
    credentials: dict[str, Any] = {
        "access_token": grant.access_token,
        "authorization_code": code,
        **grant.extra,
    }
    if grant.refresh_token:
        credentials["refresh_token"] = grant.refresh_token
    if platform == "weibo":
        # Weibo wants the posting user's real IP (`rip`); a sandbox user posts from here.
        credentials["rip"] = "127.0.0.1"
    return credentials
