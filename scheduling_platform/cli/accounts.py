"""`accounts`: add, size, list, check with the platforms, re-authorise."""

from __future__ import annotations

import sys

import click

from scheduling_platform.cli.support import (
    context,
    credentials_file_option,
    emit,
    json_option,
    read_credentials,
    user_errors,
)
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.service import accounts as service
from scheduling_platform.service.accounts import AccountCheckView


@click.group()
def accounts() -> None:
    """Platform accounts."""


@accounts.command("add")
@click.option("--platform", required=True, type=click.Choice(PLATFORMS))
@click.option("--name", required=True)
@credentials_file_option
@click.option(
    "--credentials",
    help="JSON object (shows in `ps`: prefer --credentials-file); without either the sandbox "
    "issues a token",
)
@click.option("--timezone", help="IANA zone of the account (default Asia/Shanghai)")
@click.option(
    "--followers", type=click.IntRange(min=0), help="account size, used by the engagement model"
)
@json_option
@user_errors
def accounts_add(
    platform: str,
    name: str,
    credentials_file: str | None,
    credentials: str | None,
    timezone: str | None,
    followers: int | None,
    as_json: bool,
) -> None:
    request = service.AddAccountRequest(
        platform=platform,
        name=name,
        credentials=read_credentials(credentials, credentials_file),
        timezone=timezone,
        followers=followers,
    )
    account = service.add_account(context(), request)
    emit(as_json, account, f"account {account.id}: {platform} {name}")


@accounts.command("set-followers")
@click.argument("account_id", type=int)
@click.argument("followers", type=click.IntRange(min=0))
@json_option
@user_errors
def accounts_set_followers(account_id: int, followers: int, as_json: bool) -> None:
    """Record an account's size; engagement collected from now on carries it."""
    account = service.set_followers(context(), account_id, followers)
    emit(as_json, account, f"account {account.id}: {followers} followers")


@accounts.command("list")
@json_option
@user_errors
def accounts_list(as_json: bool) -> None:
    views = service.list_accounts(context())
    text = "\n".join(
        f"{a.id:>5}  {a.platform:<10} {a.status:<13} {a.name}  ({a.timezone}, "
        + (f"{a.followers:,} followers)" if a.followers is not None else "size unknown)")
        for a in views
    )
    emit(as_json, views, text or "no accounts")


def _expiry_text(view: AccountCheckView) -> str:
    seconds = view.expires_in_seconds
    if seconds is None:
        return "expiry unknown"
    if seconds <= 0:
        return f"expired {view.expires_at}"
    return f"expires {view.expires_at} (in {seconds // 3600} h {seconds % 3600 // 60} min)"


def _check_line(view: AccountCheckView) -> str:
    token = {True: "token ok", False: "token INVALID", None: "token unknown"}[view.token_valid]
    platform = "platform up" if view.platform_available else "platform DOWN"
    return (
        f"{view.account_id:>5}  {view.platform:<10} {view.name:<20} {token:<13} "
        f"{platform:<13} {_expiry_text(view)}  {view.detail}"
    )


@accounts.command("check")
@json_option
@user_errors
def accounts_check(as_json: bool) -> None:
    """For every account: does its token work, when does it expire, does its platform answer.

    Exits with status 1 when any account needs care.
    """
    views = service.check_accounts(context())
    emit(as_json, views, "\n".join(_check_line(v) for v in views) or "no accounts")
    if not all(v.ok for v in views):
        sys.exit(1)


@accounts.command("reauthorise")
@click.argument("account_id", type=int)
@credentials_file_option
@click.option(
    "--credentials",
    help="JSON object (shows in `ps`: prefer --credentials-file); without either a new token "
    "is acquired from what the account holds (refresh token, app secret, authorisation code)",
)
@json_option
@user_errors
def accounts_reauthorise(
    account_id: int, credentials_file: str | None, credentials: str | None, as_json: bool
) -> None:
    """Renew an account's token, check it works, and release the tasks held for it.

    With --credentials-file the file's credentials replace the account's: the old ones are
    never opened (so this works when the key that sealed them is lost).
    """
    given = read_credentials(credentials, credentials_file)
    replace = credentials_file is not None
    account = service.reauthorise_account(context(), account_id, given, replace=replace)
    emit(as_json, account, f"account {account.id} re-authorised; its tasks are released")
