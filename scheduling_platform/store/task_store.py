"""The task store: accounts, tasks, attempts and audit, one conditional UPDATE per transition."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from scheduling_platform.lifecycle import (
    CLAIMABLE,
    InvalidTransitionError,
    TaskStatus,
    check_transition,
)
from scheduling_platform.store.engine import make_engine, migrate, retry_on_connection_problems
from scheduling_platform.store.records import Account, NotFoundError, Task
from scheduling_platform.store.schema import accounts, audit_log, publish_attempts, tasks
from scheduling_platform.timeutil import utcnow

if TYPE_CHECKING:
    from scheduling_platform.settings import Settings
    from scheduling_platform.vault import Vault


ACTIVE_ACCOUNT = "active"


class DuplicateAccountError(ValueError):
    """An account with that platform and name exists already."""


class TaskStore:
    """All reads and writes of the OLTP store; safe to share between threads."""

    def __init__(self, engine: Engine, vault: Vault | None = None) -> None:
        self.engine = engine
        # Without a vault, credentials are written as plain JSON (tests, tools); sealed ones
        # cannot be read then. The platform's processes open the store with `from_settings`.
        self.vault = vault

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

    def _seal(self, credentials: Mapping[str, Any]) -> str:
        if self.vault is None:
            return json.dumps(dict(credentials))
        return self.vault.seal_credentials(credentials)

    def _account(self, row: Any) -> Account:
        if self.vault is None:
            return Account.from_row(row)
        return Account.from_row(row, self.vault.open_credentials)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # ---------------------------------------------------------------- accounts
    def add_account(
        self,
        platform: str,
        name: str,
        timezone: str,
        credentials: Mapping[str, Any],
        followers: int | None = None,
    ) -> Account:
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                row = conn.execute(
                    insert(accounts)
                    .values(
                        platform=platform,
                        name=name,
                        timezone=timezone,
                        credentials=self._seal(credentials),
                        created_at=now,
                        followers=followers,
                    )
                    .returning(*accounts.c)
                ).one()
                account = self._account(row)
                self._audit(conn, now, "cli", account_id=account.id, detail="account added")
        except IntegrityError as exc:
            raise DuplicateAccountError(
                f"a {platform} account named {name!r} exists already"
            ) from exc
        return account

    def set_account_followers(self, account_id: int, followers: int) -> Account:
        """Record an account's size, the model's account feature, with an audit row."""
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                update(accounts)
                .where(accounts.c.id == account_id)
                .values(followers=followers)
                .returning(*accounts.c)
            ).first()
            if row is None:
                raise NotFoundError(f"no account with id {account_id}")
            detail = f"followers set to {followers}"
            self._audit(conn, now, "cli", account_id=account_id, detail=detail)
        return self._account(row)

    def get_account(self, account_id: int) -> Account:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        if row is None:
            raise NotFoundError(f"no account with id {account_id}")
        return self._account(row)

    def list_accounts(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(accounts).order_by(accounts.c.id)).all()
        return [self._account(r) for r in rows]

    def accounts_by_id(self, ids: Iterable[int]) -> dict[int, Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(accounts).where(accounts.c.id.in_(set(ids)))).all()
        return {r.id: self._account(r) for r in rows}

    def update_credentials(self, account_id: int, credentials: Mapping[str, Any]) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                update(accounts)
                .where(accounts.c.id == account_id)
                .values(credentials=self._seal(credentials))
            )
            self._audit(
                conn, now, "publish_job", account_id=account_id, detail="credentials renewed"
            )

    def set_account_status(
        self, account_id: int, status: str, *, actor: str, detail: str | None = None
    ) -> bool:
        """Set an account's status (`active`, `needs_reauth`); False if it was so already.

        Tasks of an account that is not `active` are held: the claim query skips them.
        """
        now = utcnow()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(accounts)
                .where(accounts.c.id == account_id, accounts.c.status != status)
                .values(status=status)
            ).rowcount
            if changed:
                self._audit(
                    conn,
                    now,
                    actor,
                    account_id=account_id,
                    detail=f"account {status}" + (f": {detail}" if detail else ""),
                )
        return bool(changed)

    # ------------------------------------------------------------------- tasks
    def create_task(
        self,
        account: Account,
        content: str,
        scheduled_at: datetime,
        *,
        priority: int = 5,
        title: str | None = None,
        media: tuple[str, ...] = (),
        actor: str = "cli",
    ) -> Task:
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(
                insert(tasks)
                .values(
                    account_id=account.id,
                    platform=account.platform,
                    title=title,
                    media=json.dumps(list(media)) if media else None,
                    content=content,
                    scheduled_at=scheduled_at,
                    priority=priority,
                    status=TaskStatus.SCHEDULED.value,
                    created_at=now,
                    updated_at=now,
                )
                .returning(*tasks.c)
            ).one()
            task = Task.from_row(row)
            self._audit(conn, now, actor, task=task, to_status=TaskStatus.SCHEDULED)
        return task

    def get_task(self, task_id: int) -> Task:
        with self.engine.connect() as conn:
            row = conn.execute(select(tasks).where(tasks.c.id == task_id)).first()
        if row is None:
            raise NotFoundError(f"no task with id {task_id}")
        return Task.from_row(row)

    def list_tasks(self, status: TaskStatus | None = None, limit: int = 1000) -> list[Task]:
        query = select(tasks).order_by(tasks.c.scheduled_at, tasks.c.id).limit(limit)
        if status is not None:
            query = query.where(tasks.c.status == status.value)
        with self.engine.connect() as conn:
            return [Task.from_row(r) for r in conn.execute(query)]

    def tasks_in_batch(self, claim_batch: str) -> list[Task]:
        query = (
            select(tasks)
            .where(tasks.c.claim_batch == claim_batch)
            .order_by(tasks.c.scheduled_at, tasks.c.id)
        )
        with self.engine.connect() as conn:
            return [Task.from_row(r) for r in conn.execute(query)]

    def audit_trail(self, task_id: int) -> list[dict[str, Any]]:
        query = select(audit_log).where(audit_log.c.task_id == task_id).order_by(audit_log.c.id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def attempts(self, task_id: int) -> list[dict[str, Any]]:
        query = (
            select(publish_attempts)
            .where(publish_attempts.c.task_id == task_id)
            .order_by(publish_attempts.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def count_by_status(self) -> dict[str, int]:
        query = select(tasks.c.status, func.count()).group_by(tasks.c.status)
        with self.engine.connect() as conn:
            return {status: count for status, count in conn.execute(query)}

    # ------------------------------------------------------------- transitions
    def transition(
        self,
        task: Task,
        target: TaskStatus,
        *,
        actor: str,
        detail: str | None = None,
        values: Mapping[str, Any] | None = None,
        conn: Connection | None = None,
    ) -> Task:
        """Move `task` to `target` if it is still as read (status and lease version)."""
        check_transition(task.status, target)
        if conn is None:
            with self.engine.begin() as own:
                return self.transition(
                    task, target, actor=actor, detail=detail, values=values, conn=own
                )
        now = utcnow()
        row = conn.execute(
            update(tasks)
            .where(
                tasks.c.id == task.id,
                tasks.c.status == task.status.value,
                tasks.c.lease_version == task.lease_version,
            )
            .values(status=target.value, updated_at=now, **dict(values or {}))
            .returning(*tasks.c)
        ).first()
        if row is None:
            current = conn.execute(select(tasks.c.status).where(tasks.c.id == task.id)).first()
            if current is None:
                raise NotFoundError(f"no task with id {task.id}")
            raise InvalidTransitionError(
                f"task {task.id} changed meanwhile (now {current.status}); "
                f"it was not moved to {target}"
            )
        self._audit(conn, now, actor, task=task, to_status=target, detail=detail)
        return Task.from_row(row)

    def claim_due_tasks(
        self,
        *,
        horizon: datetime,
        claim_batch_prefix: str,
        lease_until: datetime,
        limit: int = 10_000,
        actor: str = "due_tasks_sensor",
    ) -> list[Task]:
        """Claim tasks due by `horizon`, highest priority first; batch = prefix + ':' + platform.

        Each claim bumps the lease version, so a run holding an older claim can do nothing.
        """
        now = utcnow()
        due = (
            select(tasks.c.id, tasks.c.status)
            .where(tasks.c.status.in_([s.value for s in CLAIMABLE]))
            .where(tasks.c.scheduled_at <= horizon)
            .where(or_(tasks.c.not_before.is_(None), tasks.c.not_before <= horizon))
            # Tasks of an account waiting for re-authorisation are held, not sent. An anti-join
            # (NOT EXISTS) keeps Postgres on the status index; `IN (active accounts)` made it
            # walk every task of every account (0.2 s at 300,000 tasks).
            .where(
                ~exists().where(
                    accounts.c.id == tasks.c.account_id, accounts.c.status != ACTIVE_ACCOUNT
                )
            )
            .order_by(tasks.c.priority.desc(), tasks.c.scheduled_at, tasks.c.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        with self.engine.begin() as conn:
            found = {r.id: r.status for r in conn.execute(due)}
            if not found:
                return []
            rows = conn.execute(
                update(tasks)
                .where(tasks.c.id.in_(list(found)))
                .where(tasks.c.status.in_([s.value for s in CLAIMABLE]))
                .values(
                    status=TaskStatus.CLAIMED.value,
                    claim_batch=claim_batch_prefix + ":" + tasks.c.platform,
                    lease_version=tasks.c.lease_version + 1,
                    lease_expires_at=lease_until,
                    updated_at=now,
                )
                .returning(*tasks.c)
            ).all()
            claimed = [Task.from_row(r) for r in rows]
            self._audit_many(
                conn,
                [
                    self._audit_values(
                        now,
                        actor,
                        task_id=t.id,
                        account_id=t.account_id,
                        from_status=found[t.id],
                        to_status=TaskStatus.CLAIMED,
                        detail=t.claim_batch,
                    )
                    for t in claimed
                ],
            )
        return sorted(claimed, key=lambda t: (t.scheduled_at, t.id))

    # ---------------------------------------------------------------- attempts
    @retry_on_connection_problems()
    def begin_attempt(self, task: Task, run_id: str | None, lease_until: datetime) -> Task:
        """claimed -> publishing, with an attempt row, before any request leaves."""
        now = utcnow()
        with self.engine.begin() as conn:
            started = self.transition(
                task,
                TaskStatus.PUBLISHING,
                actor="publish_job",
                detail=run_id,
                values={
                    "attempt_count": tasks.c.attempt_count + 1,
                    "lease_expires_at": lease_until,
                },
                conn=conn,
            )
            conn.execute(
                insert(publish_attempts).values(
                    task_id=task.id,
                    attempt_no=started.attempt_count,
                    run_id=run_id,
                    started_at=now,
                )
            )
        return started

    @retry_on_connection_problems()
    def finish_attempt(
        self,
        task: Task,
        target: TaskStatus,
        *,
        outcome: str,
        platform_post_id: str | None = None,
        error_kind: str | None = None,
        error: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Task:
        """publishing -> target, closing the open attempt row with what the platform said."""
        now = utcnow()
        values = {"last_error": error, **dict(values or {})}
        if platform_post_id is not None:
            values["platform_post_id"] = platform_post_id
        if target is TaskStatus.PUBLISHED:
            values.update(published_at=now, lease_expires_at=None)
        with self.engine.begin() as conn:
            finished = self.transition(
                task, target, actor="publish_job", detail=error, values=values, conn=conn
            )
            conn.execute(
                update(publish_attempts)
                .where(publish_attempts.c.task_id == task.id)
                .where(publish_attempts.c.attempt_no == task.attempt_count)
                .values(
                    finished_at=now,
                    outcome=outcome,
                    platform_post_id=platform_post_id,
                    error_kind=error_kind,
                    error=error,
                )
            )
        return finished

    # ------------------------------------------------------------------- audit
    @staticmethod
    def _audit_values(
        at: datetime,
        actor: str,
        *,
        task_id: int | None = None,
        account_id: int | None = None,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: str | None = None,
    ) -> dict[str, Any]:
        return {
            "at": at,
            "actor": actor,
            "task_id": task_id,
            "account_id": account_id,
            "from_status": str(from_status) if from_status else None,
            "to_status": str(to_status) if to_status else None,
            "detail": detail,
        }

    def _audit(
        self,
        conn: Connection,
        at: datetime,
        actor: str,
        *,
        task: Task | None = None,
        account_id: int | None = None,
        to_status: TaskStatus | None = None,
        detail: str | None = None,
    ) -> None:
        conn.execute(
            insert(audit_log).values(
                self._audit_values(
                    at,
                    actor,
                    task_id=task.id if task else None,
                    account_id=task.account_id if task else account_id,
                    from_status=task.status if task and task.status != to_status else None,
                    to_status=to_status,
                    detail=detail,
                )
            )
        )

    @staticmethod
    def _audit_many(conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(insert(audit_log), rows)
