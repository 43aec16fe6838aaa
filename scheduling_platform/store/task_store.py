"""The task store: accounts, tasks, attempts, audit and models, behind one object.

Each concern lives in its own module (accounts.py, tasks.py, claims.py, models.py,
credentials.py, snapshots.py, conflicts.py, series.py); `TaskStore` gathers them, and
nothing outside `store/` touches the tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduling_platform.store.accounts import AccountQueries, DuplicateAccountError
from scheduling_platform.store.claims import ClaimQueries
from scheduling_platform.store.conflicts import ConflictQueries
from scheduling_platform.store.credentials import CredentialQueries
from scheduling_platform.store.engine import make_engine, migrate
from scheduling_platform.store.models import ModelQueries
from scheduling_platform.store.series import SeriesQueries
from scheduling_platform.store.snapshots import SnapshotQueries

if TYPE_CHECKING:
    from scheduling_platform.settings import Settings
    from scheduling_platform.vault import Vault

__all__ = ["DuplicateAccountError", "TaskStore"]


class TaskStore(
    AccountQueries,
    ClaimQueries,
    ModelQueries,
    CredentialQueries,
    SnapshotQueries,
    ConflictQueries,
    SeriesQueries,
):
    """All reads and writes of the OLTP store; safe to share between threads."""

    @classmethod
    def from_url(
        cls, url: str, *, run_migrations: bool = True, vault: Vault | None = None
    ) -> TaskStore:
        engine = make_engine(url)
        if run_migrations:
            migrate(engine)
        return cls(engine, vault)

    @classmethod
    def from_settings(cls, settings: Settings, *, run_migrations: bool = True) -> TaskStore:
        """The store of these settings, with the token vault their keys open."""
        from scheduling_platform.vault import Vault

        return cls.from_url(
            settings.resolved_database_url,
            run_migrations=run_migrations,
            vault=Vault.from_settings(settings),
        )
