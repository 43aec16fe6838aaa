"""What every part of the task store shares: the engine and the vault that seals credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Row, select

from scheduling_platform.store.engine import READ_ONLY
from scheduling_platform.store.records import Account
from scheduling_platform.store.schema import accounts
from scheduling_platform.vault import account_binding, read_plain_credentials, sealed_key_id

if TYPE_CHECKING:
    from scheduling_platform.vault import Vault


class StoreBase:
    """The engine and vault; the query mixins of `TaskStore` build on these."""

    def __init__(self, engine: Engine, vault: Vault | None = None) -> None:
        self.engine = engine
        # Without a vault, credentials are written as plain JSON (tests, tools); sealed ones
        # cannot be read then. The platform's processes open the store with `from_settings`.
        self.vault = vault
        if vault is not None:
            vault.sealed_key_ids = self.sealed_key_ids

    def sealed_key_ids(self) -> set[str]:
        """The key ids that seal some account's credentials."""
        with self.reading() as conn:
            texts = conn.execute(
                select(accounts.c.credentials).where(accounts.c.credentials.like("vault:v%"))
            ).scalars()
            return {kid for text in texts if (kid := sealed_key_id(text))}

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only (on SQLite its transaction begins DEFERRED, so the
        API's many readers do not queue for the one writer's lock)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            yield conn

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _seal(self, credentials: Mapping[str, Any], platform: str, account_id: int) -> str:
        """Credentials as stored: sealed for this account only (plain JSON without a vault)."""
        if self.vault is None:
            return json.dumps(dict(credentials))
        return self.vault.seal_credentials(credentials, account_binding(platform, account_id))

    def _open(self, raw: str | None, platform: str, account_id: int) -> dict[str, Any]:
        if self.vault is None:
            return read_plain_credentials(raw)
        return self.vault.open_credentials(raw, account_binding(platform, account_id))

    def _account(self, row: Row[Any]) -> Account:
        """The account of a row; its credentials are opened when first read, so what needs
        none (listing, tasks) works without the key that sealed them."""
        return Account.from_row(row, self._open)
