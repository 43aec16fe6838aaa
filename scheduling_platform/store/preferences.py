"""Accounts' preferred posting windows (weekday x minutes of the day, in the account's zone)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select

from scheduling_platform.store.audit import AuditEntry, write_audit
from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.schema import posting_windows
from scheduling_platform.timeutil import utcnow

# (weekday 0 = Monday, start minute, end minute): [start, end) of that local day.
WindowRow = tuple[int, int, int]


class PreferenceQueries(StoreBase):
    """Reads and writes of `posting_windows`; a set replaces all of an account's windows."""

    def set_posting_windows(
        self, account_id: int, windows: Sequence[WindowRow], *, actor: str, workspace_id: int
    ) -> list[WindowRow]:
        now = utcnow()
        rows = sorted(set(windows))
        with self.engine.begin() as conn:
            conn.execute(delete(posting_windows).where(posting_windows.c.account_id == account_id))
            if rows:
                conn.execute(
                    insert(posting_windows),
                    [
                        {"account_id": account_id, "weekday": d, "start_minute": s, "end_minute": e}
                        for d, s, e in rows
                    ],
                )
            detail = f"preferred posting windows set ({len(rows)})" if rows else "cleared"
            write_audit(
                conn,
                now,
                [AuditEntry(actor, None, account_id, detail=detail, workspace_id=workspace_id)],
            )
        return rows

    def posting_windows(self, account_ids: Iterable[int]) -> dict[int, list[WindowRow]]:
        """Each account's windows (accounts without any are left out)."""
        ids = list(set(account_ids))
        if not ids:
            return {}
        query = select(
            posting_windows.c.account_id,
            posting_windows.c.weekday,
            posting_windows.c.start_minute,
            posting_windows.c.end_minute,
        ).where(posting_windows.c.account_id.in_(ids))
        found: dict[int, list[WindowRow]] = {}
        with self.reading() as conn:
            for account_id, day, start, end in conn.execute(query):
                found.setdefault(account_id, []).append((day, start, end))
        return {k: sorted(v) for k, v in found.items()}
