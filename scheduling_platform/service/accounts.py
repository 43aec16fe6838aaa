"""Account operations: add, list, size, check with the platforms, re-authorise."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from scheduling_platform.accounts import checks, reauthorisation, registration
from scheduling_platform.inputs import check_int64
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import AccountView, View


class AddAccountRequest(BaseModel):
    """A platform account; without credentials the sandbox issues a token."""

    platform: str
    name: str
    credentials: dict[str, Any] | None = None
    timezone: str | None = None
    followers: int | None = None


class AccountCheckView(View):
    account_id: int
    platform: str
    name: str
    status: str
    platform_available: bool
    token_valid: bool | None  # None: could not tell (platform down, no client)
    expires_at: str | None
    expires_in_seconds: int | None
    ok: bool
    detail: str


def add_account(ctx: ServiceContext, request: AddAccountRequest) -> AccountView:
    account = registration.add_account(
        ctx.store,
        ctx.settings,
        platform=request.platform,
        name=request.name,
        credentials=request.credentials,
        timezone=request.timezone,
        followers=request.followers,
        actor=ctx.actor,
        workspace_id=ctx.workspace_id,
    )
    return AccountView.of(account)


def list_accounts(ctx: ServiceContext) -> list[AccountView]:
    return [AccountView.of(a) for a in ctx.store.list_accounts(workspace_id=ctx.workspace_id)]


def show_account(ctx: ServiceContext, account_id: int) -> AccountView:
    return AccountView.of(ctx.owned_account(account_id))


def set_followers(ctx: ServiceContext, account_id: int, followers: int) -> AccountView:
    """Record an account's size; engagement collected from now on carries it."""
    if followers < 0:
        raise ValueError(f"followers must be 0 or more, not {followers}")
    check_int64(followers, "followers")
    ctx.owned_account(account_id)
    return AccountView.of(ctx.store.set_account_followers(account_id, followers, actor=ctx.actor))


def check_accounts(ctx: ServiceContext) -> list[AccountCheckView]:
    """For every account of the workspace: does its token work, when does it expire, does its
    platform answer."""
    reports = checks.check_accounts(ctx.store, ctx.client, workspace_id=ctx.workspace_id)
    return [AccountCheckView(**r.view()) for r in reports]


def reauthorise_account(
    ctx: ServiceContext,
    account_id: int,
    credentials: dict[str, Any] | None = None,
    *,
    replace: bool = False,
) -> AccountView:
    """Renew an account's token, check it works, and release the tasks held for it.

    With `replace` the given credentials replace the stored ones, which are never opened
    (the way back when the key that sealed them is lost)."""
    if replace and not credentials:
        raise ValueError("replacing an account's credentials needs the new ones")
    account = ctx.owned_account(account_id)
    client = ctx.client(account.platform)
    renewed = reauthorisation.reauthorise(
        ctx.store, client, account, credentials or {}, actor=ctx.actor, replace=replace
    )
    return AccountView.of(renewed)
