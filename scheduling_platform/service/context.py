"""What every application operation runs with: the settings, who acts, and what they open."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from scheduling_platform.platforms.base import PlatformClient
from scheduling_platform.platforms.registry import client_from_settings
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse


@dataclass
class ServiceContext:
    """One caller's view of the platform; the store and clients open on first use."""

    settings: Settings
    actor: str = "cli"
    _clients: dict[str, PlatformClient] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def store(self) -> TaskStore:
        return TaskStore.from_settings(self.settings)

    @cached_property
    def rules(self) -> ConflictRules:
        """The conflict checks' limits, from the settings."""
        return ConflictRules.from_settings(self.settings)

    @cached_property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.settings.resolved_warehouse_url)

    def client(self, platform: str) -> PlatformClient:
        """The platform's client as the settings configure it, made once per context."""
        if platform not in self._clients:
            self._clients[platform] = client_from_settings(platform, self.settings)
        return self._clients[platform]
