"""The token vault's keys: which seal what, rotation without downtime, pruning unused ones."""

from __future__ import annotations

from scheduling_platform.accounts import key_rotation
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import View
from scheduling_platform.vault import Vault


class KeyUse(View):
    id: str
    primary: bool
    accounts: int


class KeyStatus(View):
    primary: str | None
    primary_source: str  # "environment" or "keyring file"
    key_file: str | None
    keys: list[KeyUse]
    unsealed_accounts: int
    unbound_accounts: int  # sealed as v1, before values were bound to their account
    unknown_keys: list[str]  # keys sealing accounts that this process lacks


class RotationResult(View):
    primary: str
    new_key: bool  # False when the primary comes from the environment: re-seal only
    resealed: int
    usage: dict[str, int]
    unreadable_accounts: list[int]  # sealed with a missing key: left as they are


def _vault(ctx: ServiceContext) -> Vault:
    vault = ctx.store.vault
    if vault is None:  # the context's store is always opened with the settings' vault
        raise RuntimeError("the store was opened without the vault")
    return vault


def key_status(ctx: ServiceContext) -> KeyStatus:
    vault = _vault(ctx)
    keyring = vault.keyring()
    usage = key_rotation.key_usage(ctx.store)
    return KeyStatus(
        primary=keyring.primary,
        primary_source="environment" if vault.primary_from_environment else "keyring file",
        key_file=str(vault.key_file.path) if vault.key_file else None,
        keys=[
            KeyUse(id=kid, primary=kid == keyring.primary, accounts=usage.get(kid, 0))
            for kid in sorted(keyring.keys)
        ],
        unsealed_accounts=usage.get(key_rotation.PLAINTEXT, 0),
        unbound_accounts=key_rotation.unbound_accounts(ctx.store),
        unknown_keys=sorted(
            k for k in usage if k != key_rotation.PLAINTEXT and k not in keyring.keys
        ),
    )


def rotate_keys(ctx: ServiceContext) -> RotationResult:
    """A new primary key (unless the environment names it), then every account re-sealed."""
    report = key_rotation.rotate(ctx.store, _vault(ctx))
    return RotationResult(
        primary=report.primary_key_id,
        new_key=report.new_key,
        resealed=report.resealed,
        usage=report.usage,
        unreadable_accounts=report.unreadable,
    )


def prune_keys(ctx: ServiceContext) -> list[str]:
    """Remove keyring-file keys that no account is sealed with; returns their ids."""
    return key_rotation.prune(ctx.store, _vault(ctx))
