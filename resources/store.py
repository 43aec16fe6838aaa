"""The task store as a Dagster resource."""

import threading
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.vault import Vault

_stores: dict[tuple[str, str], TaskStore] = {}
_lock = threading.Lock()


class TaskStoreResource(ConfigurableResource):
    """Where tasks live, and the keys that open the credentials stored with accounts."""

    database_url: str = Field(description="SQLAlchemy URL of the task store (EnvVar if secret)")
    keyring_file: str = Field(default="", description="the vault's keyring file; empty: none")
    encryption_key: str = Field(default="", description="vault primary key (always an EnvVar)")
    encryption_keys: str = Field(default="", description="older vault keys (always an EnvVar)")
    create_missing_key: bool = Field(
        default=False, description="embedded default only: generate a key into the keyring file"
    )

    def get_store(self) -> TaskStore:
        """One store (and connection pool) per URL and keyring in this process."""
        key = (self.database_url, self.keyring_file)
        with _lock:
            if key not in _stores:
                vault = Vault.from_keys(
                    self.encryption_key or None,
                    self.encryption_keys or None,
                    key_file=Path(self.keyring_file) if self.keyring_file else None,
                    create_missing=self.create_missing_key,
                )
                _stores[key] = TaskStore.from_url(self.database_url, vault=vault, pool_sqlite=True)
            return _stores[key]
