"""Recurring series, occurrences linked on tasks, idempotency keys, and the LSH index of texts.

Revision ID: 0006
Revises: 0004 (0005 is being added beside it; the two are chained when merged)
"""

import sqlalchemy as sa
from alembic import op

from scheduling_platform.fingerprints import band_keys
from scheduling_platform.store.schema import Id, UTCDateTime

revision = "0006"
down_revision = "0005"

# Statuses of posts that are out or on their way (lifecycle.OCCUPYING when this was written).
OCCUPYING = (
    "scheduled",
    "claimed",
    "publishing",
    "submitted",
    "published",
    "retrying",
    "needs_attention",
)


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, sa.ForeignKey("accounts.id"), nullable=False, index=True),
        sa.Column("workspace_id", Id, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("media", sa.Text, nullable=True),
        sa.Column("priority", sa.Integer, nullable=False, server_default="5"),
        sa.Column("strategy", sa.String(32), nullable=False, server_default="fixed"),
        sa.Column("rrule", sa.Text, nullable=False),
        sa.Column("dtstart", sa.String(32), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("exdates", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("parent_id", Id, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "series_conflicts",
        sa.Column("series_id", Id, sa.ForeignKey("series.id"), primary_key=True),
        sa.Column("occurrence_start", UTCDateTime, primary_key=True),
        sa.Column("conflicts", sa.Text, nullable=False),
        sa.Column("checked_at", UTCDateTime, nullable=False),
    )
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("series_id", Id, nullable=True))
        batch.add_column(sa.Column("occurrence_start", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(64), nullable=True))
        batch.create_foreign_key("fk_tasks_series_id", "series", ["series_id"], ["id"])
        batch.create_index(
            "uq_tasks_series_occurrence", ["series_id", "occurrence_start"], unique=True
        )
        batch.create_index("uq_tasks_idempotency_key", ["idempotency_key"], unique=True)
    op.create_table(
        "content_bands",
        sa.Column("task_id", Id, primary_key=True),  # no foreign key: see schema.py
        sa.Column("band_key", sa.BigInteger, primary_key=True),
        sa.Column("account_id", Id, nullable=False),
    )
    op.create_index("ix_content_bands_account_key", "content_bands", ["account_id", "band_key"])
    _index_existing_texts()


def _index_existing_texts() -> None:
    """Band keys for the posts already out or scheduled, so the duplicate check sees them."""
    conn = op.get_bind()
    tasks = sa.table(
        "tasks", sa.column("id"), sa.column("account_id"), sa.column("content"), sa.column("status")
    )
    bands = sa.table(
        "content_bands", sa.column("task_id"), sa.column("band_key"), sa.column("account_id")
    )
    rows = conn.execute(
        sa.select(tasks.c.id, tasks.c.account_id, tasks.c.content).where(
            tasks.c.status.in_(OCCUPYING)
        )
    ).all()
    batch: list[dict[str, object]] = []
    for task_id, account_id, content in rows:
        batch += [
            {"task_id": task_id, "band_key": key, "account_id": account_id}
            for key in band_keys(content)
        ]
        if len(batch) >= 20_000:
            conn.execute(sa.insert(bands), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(bands), batch)


def downgrade() -> None:
    op.drop_index("ix_content_bands_account_key", table_name="content_bands")
    op.drop_table("content_bands")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("uq_tasks_idempotency_key")
        batch.drop_index("uq_tasks_series_occurrence")
        batch.drop_constraint("fk_tasks_series_id", type_="foreignkey")
        batch.drop_column("idempotency_key")
        batch.drop_column("occurrence_start")
        batch.drop_column("series_id")
    op.drop_table("series_conflicts")
    op.drop_table("series")
