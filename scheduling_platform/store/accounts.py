"""Accounts in the task store: added, sized, re-credentialed and held (`needs_reauth`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from scheduling_platform.lifecycle import AccountStatus
from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.records import DEFAULT_WORKSPACE_ID, MAX_ID, Account, NotFoundError
from scheduling_platform.store.schema import accounts
from scheduling_platform.timeutil import utcnow


class DuplicateAccountError(ValueError):
    """An account with that platform and name exists already."""


class AccountQueries(StoreBase):
    """Reads and writes of the `accounts` table, each change with its audit row."""

    def add_account(
        self,
        platform: str,
        name: str,
        timezone: str,
        credentials: Mapping[str, Any],
        followers: int | None = None,
        *,
        actor: str = "cli",
        workspace_id: int = DEFAULT_WORKSPACE_ID,
    ) -> Account:
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(
                    insert(accounts)
                    .values(
                        platform=platform,
                        name=name,
                        timezone=timezone,
                        credentials=None,  # sealed below, bound to the id the row gets
                        created_at=now,
                        followers=followers,
                        workspace_id=workspace_id,
                    )
                    .returning(accounts.c.id)
                ).scalar_one()
                row = conn.execute(
                    update(accounts)
                    .where(accounts.c.id == new_id)
                    .values(credentials=self._seal(credentials, platform, new_id))
                    .returning(*accounts.c)
                ).one()
                account = self._account(row)
                write_audit(
                    conn,
                    now,
                    [
                        AuditEntry(
                            actor,
                            account_id=account.id,
                            detail="account added",
                            workspace_id=workspace_id,
                        )
                    ],
                )
        except IntegrityError as exc:
            raise DuplicateAccountError(
                f"a {platform} account named {name!r} exists already in this workspace"
            ) from exc
        return account

    def set_account_followers(
        self, account_id: int, followers: int, *, actor: str = "cli"
    ) -> Account:
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
            entry = AuditEntry(
                actor,
                account_id=account_id,
                detail=f"followers set to {followers}",
                workspace_id=row.workspace_id,
            )
            write_audit(conn, now, [entry])
        return self._account(row)

    def get_account(self, account_id: int, *, workspace_id: int | None = None) -> Account:
        """The account; with `workspace_id`, only if it belongs there (else not found)."""
        if not 0 < account_id <= MAX_ID:  # past a 64-bit id the driver would overflow
            raise NotFoundError(f"no account with id {account_id}")
        query = select(accounts).where(accounts.c.id == account_id)
        if workspace_id is not None:
            query = query.where(accounts.c.workspace_id == workspace_id)
        with self.reading() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"no account with id {account_id}")
        return self._account(row)

    def list_accounts(self, *, workspace_id: int | None = None) -> list[Account]:
        """Every account, or a workspace's; None: all workspaces (the platform's processes)."""
        query = select(accounts).order_by(accounts.c.id)
        if workspace_id is not None:
            query = query.where(accounts.c.workspace_id == workspace_id)
        with self.reading() as conn:
            rows = conn.execute(query).all()
        return [self._account(r) for r in rows]

    def accounts_by_id(self, ids: Iterable[int]) -> dict[int, Account]:
        with self.reading() as conn:
            rows = conn.execute(select(accounts).where(accounts.c.id.in_(set(ids)))).all()
        return {r.id: self._account(r) for r in rows}

    def account_zones(
        self, *, workspace_id: int | None = None, ids: Iterable[int] | None = None
    ) -> dict[int, str]:
        """Each account's time zone (of `ids` only, when given), without opening credentials."""
        query = select(accounts.c.id, accounts.c.timezone)
        if workspace_id is not None:
            query = query.where(accounts.c.workspace_id == workspace_id)
        if ids is not None:
            # No account has an id past 64 bits, and the driver would overflow on one.
            query = query.where(accounts.c.id.in_([i for i in ids if 0 < i <= MAX_ID]))
        with self.reading() as conn:
            return dict(conn.execute(query).tuples().all())

    def update_credentials(
        self, account_id: int, credentials: Mapping[str, Any], *, actor: str = "publish_job"
    ) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            platform = conn.execute(
                select(accounts.c.platform).where(accounts.c.id == account_id)
            ).scalar_one_or_none()
            if platform is None:
                raise NotFoundError(f"no account with id {account_id}")
            conn.execute(
                update(accounts)
                .where(accounts.c.id == account_id)
                .values(credentials=self._seal(credentials, platform, account_id))
            )
            write_audit(
                conn, now, [AuditEntry(actor, account_id=account_id, detail="credentials renewed")]
            )

    def set_account_status(
        self, account_id: int, status: AccountStatus, *, actor: str, detail: str | None = None
    ) -> bool:
        """Set an account's status; False if it was so already.

        Tasks of an account that is not `active` are held: the claim query skips them.
        """
        now = utcnow()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(accounts)
                .where(accounts.c.id == account_id, accounts.c.status != status.value)
                .values(status=status.value)
            ).rowcount
            if changed:
                text = f"account {status}" + (f": {detail}" if detail else "")
                entry = AuditEntry(actor, account_id=account_id, to_status=status, detail=text)
                write_audit(conn, now, [entry])
        return bool(changed)
