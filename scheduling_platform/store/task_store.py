"""The task store: workspaces, accounts, tasks, attempts, audit, API keys and models, behind one
object.

Each concern lives in its own module (workspaces.py, accounts.py, tasks.py, claims.py,
post_identity.py, models.py, credentials.py, snapshots.py, api_keys.py, idempotency.py,
operations.py, conflicts.py, series.py, decisions.py, extracts.py, retention.py); `TaskStore`
gathers them, and nothing outside `store/` touches the tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduling_platform.store.accounts import AccountQueries, DuplicateAccountError
from scheduling_platform.store.api_keys import ApiKeyQueries
from scheduling_platform.store.claims import ClaimQueries
from scheduling_platform.store.conflicts import ConflictQueries
from scheduling_platform.store.credentials import CredentialQueries
from scheduling_platform.store.decisions import DecisionQueries
from scheduling_platform.store.engine import make_engine, migrate
from scheduling_platform.store.extracts import ExtractQueries
from scheduling_platform.store.idempotency import IdempotencyQueries
from scheduling_platform.store.models import ModelQueries
from scheduling_platform.store.operations import OperationalQueries
from scheduling_platform.store.post_identity import PostHeldError
from scheduling_platform.store.preferences import PreferenceQueries
from scheduling_platform.store.retention import RetentionQueries
from scheduling_platform.store.series import SeriesQueries
from scheduling_platform.store.snapshots import SnapshotQueries
from scheduling_platform.store.workspaces import WorkspaceQueries

if TYPE_CHECKING:
    from scheduling_platform.settings import Settings
    from scheduling_platform.vault import Vault

__all__ = ["DuplicateAccountError", "PostHeldError", "TaskStore"]


class TaskStore(
    WorkspaceQueries,
    AccountQueries,
    ClaimQueries,
    ModelQueries,
    CredentialQueries,
    SnapshotQueries,
    ApiKeyQueries,
    IdempotencyQueries,
    OperationalQueries,
    ConflictQueries,
    SeriesQueries,
    DecisionQueries,
    ExtractQueries,
    RetentionQueries,
    PreferenceQueries,
):
    """All reads and writes of the OLTP store; safe to share between threads."""

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        run_migrations: bool = True,
        vault: Vault | None = None,
        pool_size: int = 8,
        pool_sqlite: bool = False,
    ) -> TaskStore:
        engine = make_engine(url, pool_size=pool_size, pool_sqlite=pool_sqlite)
        if run_migrations:
            migrate(engine)
        return cls(engine, vault)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        run_migrations: bool = True,
        pool_size: int = 8,
        pool_sqlite: bool = False,
    ) -> TaskStore:
        """The store of these settings, with the token vault their keys open."""
        from scheduling_platform.vault import Vault

        return cls.from_url(
            settings.resolved_database_url,
            run_migrations=run_migrations,
            vault=Vault.from_settings(settings),
            pool_size=pool_size,
            pool_sqlite=pool_sqlite,
        )
