"""`keys`: the token vault's encryption keys, and API keys (see docs/security.md)."""

from __future__ import annotations

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service import api_keys
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
    lines.append(f"not bound to their account yet (v1): {status.unbound_accounts} accounts")
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
        "`scheduling-platform keys prune` removes the unused ones."
        + (
            f"\naccounts {', '.join(map(str, result.unreadable_accounts))} are sealed with a "
            "missing key and were left as they are: restore the key, or run `accounts "
            "reauthorise ID --credentials-file FILE` for each"
            if result.unreadable_accounts
            else ""
        ),
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


@keys.group("api")
def keys_api() -> None:
    """API keys of a workspace: shown once, stored only as a keyed hash (docs/security.md)."""


workspace_option = click.option(
    "--workspace", help="the workspace the key belongs to (default: the one `--workspace` names)"
)


@keys_api.command("create")
@workspace_option
@click.option(
    "--scopes",
    required=True,
    help=f"comma separated, of {', '.join(api_keys.SCOPES)} (admin holds all)",
)
@click.option("--name", default="api key", show_default=True, help="what the key is for")
@click.option("--rate-limit", help="requests allowed, e.g. 1000/hour (default: the setting)")
@click.option("--user", help="a user of the workspace the key acts for")
@json_option
@user_errors
def keys_api_create(
    workspace: str | None,
    scopes: str,
    name: str,
    rate_limit: str | None,
    user: str | None,
    as_json: bool,
) -> None:
    """Create an API key and print it once: it cannot be shown again."""
    request = api_keys.CreateApiKeyRequest(
        scopes=scopes.split(","), name=name, rate_limit=rate_limit, user=user
    )
    created = api_keys.create_api_key(context(workspace), request)
    key = created.api_key
    emit(
        as_json,
        created,
        f"{created.key}\n(key {key.public_id}, scopes {','.join(key.scopes)}, "
        f"{key.rate_limit}; shown once: store it now)",
    )


@keys_api.command("list")
@workspace_option
@json_option
@user_errors
def keys_api_list(workspace: str | None, as_json: bool) -> None:
    """The workspace's keys: public id, scopes, limit, last use; never the key."""
    views = api_keys.list_api_keys(context(workspace))
    lines = [
        f"{k.public_id}  {k.name:<20} {','.join(k.scopes):<24} {k.rate_limit:<12} "
        f"last used {k.last_used_at.isoformat() if k.last_used_at else 'never'}"
        + (f"  REVOKED {k.revoked_at.isoformat()}" if k.revoked_at else "")
        for k in views
    ]
    emit(as_json, views, "\n".join(lines) or "no API keys")


@keys_api.command("revoke")
@click.argument("public_id")
@workspace_option
@json_option
@user_errors
def keys_api_revoke(public_id: str, workspace: str | None, as_json: bool) -> None:
    """Revoke a key by its public id (the part after `spk_`); effective at once."""
    view = api_keys.revoke_api_key(context(workspace), public_id)
    emit(as_json, view, f"key {view.public_id} revoked")


@keys_api.command("rotate-secret")
@json_option
@user_errors
def keys_api_rotate_secret(as_json: bool) -> None:
    """A new server secret for hashing API keys; keys move to it when next used."""
    secret_id = api_keys.rotate_api_key_secret(context())
    emit(as_json, {"primary": secret_id}, f"API key secret {secret_id} is primary")
