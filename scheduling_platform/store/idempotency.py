"""Idempotency records: the first answer to a POST, replayed to its retries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from scheduling_platform.store.base import StoreBase
from scheduling_platform.store.schema import idempotency_records
from scheduling_platform.timeutil import utcnow


@dataclass(frozen=True)
class IdempotencyRecord:
    id: int
    fingerprint: str
    status_code: int | None  # None: the first request has not finished
    response: str | None
    created_at: datetime


class IdempotencyQueries(StoreBase):
    """Claiming an Idempotency-Key in a workspace, and keeping what its request answered."""

    def claim_idempotency_key(
        self, workspace_id: int, key: str, fingerprint: str
    ) -> tuple[int, IdempotencyRecord | None]:
        """Claim `key` for a new request: (its record id, None), or (id, the earlier record).

        The unique (workspace, key) constraint decides between two requests racing with the
        same key: exactly one inserts, the other reads its record.
        """
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(
                    insert(idempotency_records)
                    .values(
                        workspace_id=workspace_id,
                        idempotency_key=key,
                        fingerprint=fingerprint,
                        created_at=utcnow(),
                    )
                    .returning(idempotency_records.c.id)
                ).scalar_one()
            return new_id, None
        except IntegrityError:
            pass
        query = select(idempotency_records).where(
            idempotency_records.c.workspace_id == workspace_id,
            idempotency_records.c.idempotency_key == key,
        )
        with self.reading() as conn:
            row = conn.execute(query).one()
        return row.id, IdempotencyRecord(
            row.id, row.fingerprint, row.status_code, row.response, row.created_at
        )

    def complete_idempotency_key(self, record_id: int, status_code: int, response: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(idempotency_records)
                .where(idempotency_records.c.id == record_id)
                .values(status_code=status_code, response=response)
            )

    def release_idempotency_key(self, record_id: int) -> None:
        """Forget a claim whose request was refused or failed, so a retry runs it again."""
        with self.engine.begin() as conn:
            conn.execute(delete(idempotency_records).where(idempotency_records.c.id == record_id))

    def prune_idempotency_records(self, before: datetime) -> int:
        """Drop records older than `before`; their keys may then be used again."""
        with self.engine.begin() as conn:
            return conn.execute(
                delete(idempotency_records).where(idempotency_records.c.created_at < before)
            ).rowcount
