"""CLI commands of issue 3: `accounts check`, `accounts reauthorise` and the `keys` group.

cli.py imports this module at its bottom and registers the commands.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from typing import Any

import click

from scheduling_platform.cli.support import emit, json_option, open_store, user_errors
from scheduling_platform.settings import get_settings


# ------------------------------------------------------------------------ accounts
def _expiry_text(view: dict[str, Any]) -> str:
    seconds = view["expires_in_seconds"]
    if seconds is None:
        return "expiry unknown"
    if seconds <= 0:
        return f"expired {view['expires_at']}"
    return f"expires {view['expires_at']} (in {seconds // 3600} h {seconds % 3600 // 60} min)"


def _check_line(view: dict[str, Any]) -> str:
    token = {True: "token ok", False: "token INVALID", None: "token unknown"}[view["token_valid"]]
    platform = "platform up" if view["platform_available"] else "platform DOWN"
    return (
        f"{view['account_id']:>5}  {view['platform']:<10} {view['name']:<20} {token:<13} "
        f"{platform:<13} {_expiry_text(view)}  {view['detail']}"
    )


@click.command("check")
@json_option
@user_errors
def accounts_check(as_json: bool) -> None:
    """For every account: does its token work, when does it expire, does its platform answer.

    Exits with status 1 when any account needs care.
    """
    from scheduling_platform.accounts.checks import check_accounts, settings_clients

    settings = get_settings()
    reports = check_accounts(open_store(settings), settings_clients(settings))
    views = [r.view() for r in reports]
    emit(as_json, views, "\n".join(_check_line(v) for v in views) or "no accounts")
    if not all(r.ok for r in reports):
        sys.exit(1)


@click.command("reauthorise")
@click.argument("account_id", type=int)
@click.option(
    "--credentials",
    help="JSON object merged into the account's credentials; without it a new token is "
    "acquired from what the account holds (refresh token, app secret, authorisation code)",
)
@json_option
@user_errors
def accounts_reauthorise(account_id: int, credentials: str | None, as_json: bool) -> None:
    """Renew an account's token, check it works, and release the tasks held for it."""
    from scheduling_platform.accounts.checks import settings_clients
    from scheduling_platform.accounts.tokens import with_grant
    from scheduling_platform.lifecycle import AccountStatus

    settings = get_settings()
    store = open_store(settings)
    account = store.get_account(account_id)
    client = settings_clients(settings)(account.platform)
    given: dict[str, Any] = {}
    if credentials is not None:
        try:
            given = json.loads(credentials)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--credentials is not valid JSON: {exc.msg}") from None
        if not isinstance(given, dict):
            raise ValueError("--credentials must be a JSON object")
    merged = replace(account, credentials={**account.credentials, **given})
    if "access_token" in given:
        renewed = merged.credentials
    else:  # exchange what the account now holds (a new code, refresh token) for a token
        renewed = with_grant(merged.credentials, client.acquire_token(merged.credentials))
    check = client.validate_account(renewed)
    if not check.token_valid:
        raise ValueError(f"the platform still refuses the token: {check.detail}")
    store.update_credentials(account.id, renewed)
    store.set_account_status(account.id, AccountStatus.ACTIVE, actor="cli", detail="re-authorised")
    view = store.get_account(account.id).public_view()
    emit(as_json, view, f"account {account.id} re-authorised; its tasks are released")


# ---------------------------------------------------------------------------- keys
@click.group("keys")
def keys() -> None:
    """The token vault's encryption keys (see docs/security.md)."""


def _open(settings: Any) -> tuple[Any, Any]:
    from scheduling_platform.store.task_store import TaskStore
    from scheduling_platform.vault import Vault

    vault = Vault.from_settings(settings)
    return vault, TaskStore.from_url(settings.resolved_database_url, vault=vault)


@keys.command("status")
@json_option
@user_errors
def keys_status(as_json: bool) -> None:
    """Key ids in the keyring, the primary, and how many accounts each key seals."""
    from scheduling_platform.accounts.key_rotation import PLAINTEXT, key_usage

    vault, store = _open(get_settings())
    keyring = vault.keyring()
    usage = key_usage(store)
    data = {
        "primary": keyring.primary,
        "primary_source": "environment" if vault.primary_from_environment else "keyring file",
        "key_file": str(vault.key_file.path) if vault.key_file else None,
        "keys": [
            {"id": kid, "primary": kid == keyring.primary, "accounts": usage.get(kid, 0)}
            for kid in sorted(keyring.keys)
        ],
        "unsealed_accounts": usage.get(PLAINTEXT, 0),
        "unknown_keys": sorted(k for k in usage if k != PLAINTEXT and k not in keyring.keys),
    }
    lines = [
        f"{k['id']}{' (primary)' if k['primary'] else ''}: {k['accounts']} accounts"
        for k in data["keys"]
    ]
    lines.append(f"not encrypted yet: {data['unsealed_accounts']} accounts")
    if data["unknown_keys"]:
        lines.append(f"sealed with keys this process lacks: {', '.join(data['unknown_keys'])}")
    emit(as_json, data, "\n".join(lines))


@keys.command("rotate")
@json_option
@user_errors
def keys_rotate(as_json: bool) -> None:
    """Make a new primary key and re-encrypt every account under it, while all keeps running.

    With SCHEDULING_ENCRYPTION_KEY set, the primary is that key: set the new one there (and
    the old one in SCHEDULING_ENCRYPTION_KEYS) first; this then only re-encrypts.
    """
    from scheduling_platform.accounts.key_rotation import rotate

    vault, store = _open(get_settings())
    report = rotate(store, vault)
    data = {
        "primary": report.primary_key_id,
        "new_key": report.new_key,
        "resealed": report.resealed,
        "usage": report.usage,
    }
    emit(
        as_json,
        data,
        f"primary key {report.primary_key_id}"
        + (" (new)" if report.new_key else "")
        + f"; {report.resealed} accounts re-encrypted. Old keys still decrypt: "
        "`scheduling-platform keys prune` removes the unused ones.",
    )


@keys.command("prune")
@json_option
@user_errors
def keys_prune(as_json: bool) -> None:
    """Remove keys from the keyring file that no account is sealed with any more."""
    from scheduling_platform.accounts.key_rotation import prune

    vault, store = _open(get_settings())
    dropped = prune(store, vault)
    emit(
        as_json,
        {"dropped": dropped},
        f"removed {', '.join(dropped)}" if dropped else "no unused key to remove",
    )
