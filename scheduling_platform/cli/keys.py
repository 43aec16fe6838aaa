"""`keys`: the token vault's encryption keys (see docs/security.md)."""

from __future__ import annotations

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service import keys as service


@click.group("keys")
def keys() -> None:
    """The token vault's encryption keys (see docs/security.md)."""


@keys.command("status")
@json_option
@user_errors
def keys_status(as_json: bool) -> None:
    """Key ids in the keyring, the primary, and how many accounts each key seals."""
    status = service.key_status(context())
    lines = [
        f"{k.id}{' (primary)' if k.primary else ''}: {k.accounts} accounts" for k in status.keys
    ]
    lines.append(f"not encrypted yet: {status.unsealed_accounts} accounts")
    if status.unknown_keys:
        lines.append(f"sealed with keys this process lacks: {', '.join(status.unknown_keys)}")
    emit(as_json, status, "\n".join(lines))


@keys.command("rotate")
@json_option
@user_errors
def keys_rotate(as_json: bool) -> None:
    """Make a new primary key and re-encrypt every account under it, while all keeps running.

    With SCHEDULING_ENCRYPTION_KEY set, the primary is that key: set the new one there (and
    the old one in SCHEDULING_ENCRYPTION_KEYS) first; this then only re-encrypts.
    """
    result = service.rotate_keys(context())
    emit(
        as_json,
        result,
        f"primary key {result.primary}"
        + (" (new)" if result.new_key else "")
        + f"; {result.resealed} accounts re-encrypted. Old keys still decrypt: "
        "`scheduling-platform keys prune` removes the unused ones.",
    )


@keys.command("prune")
@json_option
@user_errors
def keys_prune(as_json: bool) -> None:
    """Remove keys from the keyring file that no account is sealed with any more."""
    dropped = service.prune_keys(context())
    emit(
        as_json,
        {"dropped": dropped},
        f"removed {', '.join(dropped)}" if dropped else "no unused key to remove",
    )
