"""What every part of the task store shares: the engine and the vault that seals credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Row

from scheduling_platform.store.engine import READ_ONLY
from scheduling_platform.store.records import Account

if TYPE_CHECKING:
    from scheduling_platform.vault import Vault


class StoreBase:
    """The engine and vault; the query mixins of `TaskStore` build on these."""

    def __init__(self, engine: Engine, vault: Vault | None = None) -> None:
        self.engine = engine
        # Without a vault, credentials are written as plain JSON (tests, tools); sealed ones
        # cannot be read then. The platform's processes open the store with `from_settings`.
        self.vault = vault

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

    def _seal(self, credentials: Mapping[str, Any]) -> str:
        if self.vault is None:
            return json.dumps(dict(credentials))
        return self.vault.seal_credentials(credentials)

    def _account(self, row: Row[Any]) -> Account:
        if self.vault is None:
            return Account.from_row(row)
        return Account.from_row(row, self.vault.open_credentials)
