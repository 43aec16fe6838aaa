"""What every application operation runs with: the settings, the workspace, who acts, and what
they open."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from scheduling_platform.keyhash import KeyHasher
from scheduling_platform.platforms.base import PlatformClient
from scheduling_platform.platforms.registry import client_from_settings
from scheduling_platform.scheduling.conflicts.rules import ConflictRules
from scheduling_platform.settings import Settings
from scheduling_platform.store.audit import Actor
from scheduling_platform.store.records import DEFAULT_WORKSPACE_ID, Account, Task
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse

if TYPE_CHECKING:
    from scheduling_platform.service.orchestrator import Launcher, Orchestrator


@dataclass
class Shared:
    """What a long-lived interface (the API) opens once and lends to every request's context."""

    store: TaskStore
    warehouse: Warehouse
    hasher: KeyHasher
    orchestrator: Orchestrator | None = None
    clients: dict[str, PlatformClient] = field(default_factory=dict)
    immediate: Launcher | None = None  # runs a post due before the next tick at once


class ServiceContext:
    """One caller's view of the platform: a workspace, and who acts in it.

    Every operation scopes what it reads and changes by `workspace_id`, so no interface can
    forget to. The store and clients open on first use, or come from `shared`.
    """

    def __init__(
        self,
        settings: Settings,
        actor: str = "cli",
        *,
        workspace_id: int = DEFAULT_WORKSPACE_ID,
        api_key_id: int | None = None,
        user_id: int | None = None,  # the user the key acts for, if it names one
        client_address: str | None = None,
        shared: Shared | None = None,
    ) -> None:
        self.settings = settings
        self.actor_name = actor
        self.workspace_id = workspace_id
        self.api_key_id = api_key_id
        self.user_id = user_id
        self.client_address = client_address
        self.shared = shared
        self._clients: dict[str, PlatformClient] = {}
        # What starts runs when there is no shared orchestrator (the CLI sets one).
        self.local_launcher: Launcher | None = None

    @property
    def actor(self) -> Actor:
        """The actor as the audit log records it: name, workspace, key, client address.

        An `Actor` is a `str`, so operations pass it on as the actor's name they always took.
        """
        return Actor(
            self.actor_name,
            workspace_id=self.workspace_id,
            api_key_id=self.api_key_id,
            client_address=self.client_address,
        )

    @cached_property
    def store(self) -> TaskStore:
        return self.shared.store if self.shared else TaskStore.from_settings(self.settings)

    @cached_property
    def rules(self) -> ConflictRules:
        """The conflict checks' limits, from the settings."""
        return ConflictRules.from_settings(self.settings)

    @cached_property
    def warehouse(self) -> Warehouse:
        if self.shared:
            return self.shared.warehouse
        return Warehouse(self.settings.resolved_warehouse_url)

    @cached_property
    def hasher(self) -> KeyHasher:
        return self.shared.hasher if self.shared else KeyHasher.from_settings(self.settings)

    @property
    def orchestrator(self) -> Orchestrator:
        if self.shared is None or self.shared.orchestrator is None:
            raise RuntimeError("this interface has no orchestrator (the Dagster instance)")
        return self.shared.orchestrator

    @property
    def clock_skew(self) -> timedelta:
        """How far a platform's clock may run behind ours when a post is matched to a task."""
        return timedelta(seconds=self.settings.verify_clock_skew_seconds)

    @property
    def launcher(self) -> Launcher | None:
        """What starts the immediate path's runs, if this interface has one."""
        if self.shared is not None and self.shared.immediate is not None:
            return self.shared.immediate
        return self.local_launcher

    def client(self, platform: str) -> PlatformClient:
        """The platform's client as the settings configure it, made once per context."""
        clients = self.shared.clients if self.shared else self._clients
        if platform not in clients:
            clients[platform] = client_from_settings(platform, self.settings)
        return clients[platform]

    # The workspace of an account or task never changes, so checking it once before a domain
    # operation (which reads the row again by id) scopes that operation too.
    def owned_account(self, account_id: int) -> Account:
        """The workspace's account, else NotFoundError (as if another's did not exist)."""
        return self.store.get_account(account_id, workspace_id=self.workspace_id)

    def owned_task(self, task_id: int) -> Task:
        """The workspace's task, else NotFoundError (as if another's did not exist)."""
        return self.store.get_task(task_id, workspace_id=self.workspace_id)
