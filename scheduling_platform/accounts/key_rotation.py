"""Key rotation without downtime: a new primary key, then every account re-sealed under it.

Readers keep working throughout: the old key stays in the keyring, and a vault meeting a
key id it does not know reads the keyring file again. Each re-seal is a conditional UPDATE
on the old ciphertext (store/credentials.py), so a token refreshed meanwhile (sealed under the
new key by the refreshing process) is never overwritten with stale credentials.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scheduling_platform.store.credentials import StoredCredentials
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.vault import (
    BOUND_PREFIX,
    PREFIX,
    Vault,
    VaultError,
    account_binding,
    sealed_key_id,
)

PLAINTEXT = "plaintext"
MAX_PASSES = 5


@dataclass(frozen=True)
class RotationReport:
    primary_key_id: str
    new_key: bool  # False when the primary comes from the environment: re-seal only
    resealed: int
    usage: dict[str, int]
    unreadable: list[int]  # accounts sealed with a key that is missing: re-authorise them


def key_usage(store: TaskStore) -> dict[str, int]:
    """How many accounts' credentials each key id seals (`plaintext`: not sealed yet)."""
    stored = store.stored_credentials()
    return dict(Counter(sealed_key_id(s.text or "") or PLAINTEXT for s in stored))


def unbound_accounts(store: TaskStore) -> int:
    """Accounts whose credentials are sealed as v1 (not yet bound to their account)."""
    return sum(1 for s in store.stored_credentials() if (s.text or "").startswith(PREFIX))


def _reseal(vault: Vault, item: StoredCredentials) -> str:
    binding = account_binding(item.platform, item.account_id)
    return vault.seal_credentials(vault.open_credentials(item.text, binding), binding)


def reseal_all(store: TaskStore, vault: Vault, batch_size: int = 200) -> tuple[int, list[int]]:
    """Re-seal every account not under the primary key, or not yet bound to its account (v1),
    as v2 under the primary; returns how many were re-sealed, and the accounts left as they
    were because the key that seals them is missing."""
    primary = vault.primary_key_id
    if primary is None:
        vault.ensure_key()
        primary = vault.primary_key_id
    current = f"{BOUND_PREFIX}{primary}:%"
    resealed = 0
    for _ in range(MAX_PASSES):
        known = vault.keyring().keys
        stale: list[StoredCredentials] = []
        unreadable: list[StoredCredentials] = []
        for item in store.credentials_not_like(current):
            kid = sealed_key_id(item.text or "")
            (unreadable if kid is not None and kid not in known else stale).append(item)
        if not stale:
            return resealed, [u.account_id for u in unreadable]
        for start in range(0, len(stale), batch_size):
            resealed += store.reseal_credentials(
                stale[start : start + batch_size], lambda item: _reseal(vault, item)
            )
    raise VaultError(f"accounts kept changing during {MAX_PASSES} passes; run `keys rotate` again")


def rotate(store: TaskStore, vault: Vault) -> RotationReport:
    """A new primary key in the keyring file (unless the environment names the primary),
    then every account re-sealed under the primary."""
    # With the primary in the environment the operator brought the new key: re-seal only.
    new_key = not vault.primary_from_environment
    primary = vault.rotate() if new_key else (vault.primary_key_id or "")
    resealed, unreadable = reseal_all(store, vault)
    return RotationReport(
        vault.primary_key_id or primary, new_key, resealed, key_usage(store), unreadable
    )


def prune(store: TaskStore, vault: Vault) -> list[str]:
    """Drop keyring-file keys that seal nothing any more (never the primary)."""
    keyring = vault.keyring()
    used = set(key_usage(store))
    return vault.drop_keys({k for k in keyring.keys if k not in used and k != keyring.primary})
