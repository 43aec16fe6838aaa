"""Sealed credentials as stored text: which key seals each, and re-sealing without a race."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.schema import accounts
from scheduling_platform.timeutil import utcnow


@dataclass(frozen=True)
class StoredCredentials:
    account_id: int
    text: str  # as stored: a sealed value, or plain JSON from before the vault
    platform: str = ""


class CredentialQueries(StoreBase):
    """The `accounts.credentials` column as text, for the vault's key rotation."""

    def stored_credentials(self) -> list[StoredCredentials]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(accounts.c.id, accounts.c.credentials, accounts.c.platform)
                .where(accounts.c.credentials.is_not(None))
                .order_by(accounts.c.id)
            ).all()
        return [StoredCredentials(r.id, r.credentials, r.platform) for r in rows]

    def credentials_not_like(self, pattern: str) -> list[StoredCredentials]:
        """Stored credentials whose text does not match the SQL LIKE `pattern`."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(accounts.c.id, accounts.c.credentials, accounts.c.platform)
                .where(accounts.c.credentials.is_not(None))
                .where(accounts.c.credentials.not_like(pattern))
                .order_by(accounts.c.id)
            ).all()
        return [StoredCredentials(r.id, r.credentials, r.platform) for r in rows]

    def reseal_credentials(
        self,
        stale: list[StoredCredentials],
        reseal: Callable[[StoredCredentials], str],
        *,
        actor: str = "keys rotate",
    ) -> int:
        """Replace each text with `reseal(...)` unless it changed meanwhile; one transaction.

        The UPDATE is conditional on the old text, so a token refreshed meanwhile (sealed by
        the refreshing process) is never overwritten with stale credentials.
        """
        resealed = 0
        now = utcnow()
        with self.engine.begin() as conn:
            for item in stale:
                changed = conn.execute(
                    update(accounts)
                    .where(accounts.c.id == item.account_id, accounts.c.credentials == item.text)
                    .values(credentials=reseal(item))
                ).rowcount
                if changed:
                    resealed += 1
                    entry = AuditEntry(actor, account_id=item.account_id, detail="re-sealed")
                    write_audit(conn, now, [entry])
        return resealed
