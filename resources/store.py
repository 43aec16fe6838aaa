"""The task store as a Dagster resource."""

import threading

from dagster import ConfigurableResource
from pydantic import Field

from scheduling_platform.settings import get_settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.vault import Vault

_stores: dict[str, TaskStore] = {}
_lock = threading.Lock()


def shared_store(url: str) -> TaskStore:
    """One store (and connection pool) per URL and process; migrated on first use."""
    with _lock:
        if url not in _stores:
            _stores[url] = TaskStore.from_url(url, vault=Vault.from_settings(get_settings()))
        return _stores[url]


class TaskStoreResource(ConfigurableResource):
    """Where tasks live. Empty `database_url` means `SCHEDULING_DATABASE_URL` or the SQLite file."""

    database_url: str | None = Field(default=None, description="SQLAlchemy URL of the task store")

    def get_store(self) -> TaskStore:
        return shared_store(self.database_url or get_settings().resolved_database_url)
