"""The initial task store: accounts, tasks, publish attempts and the audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from scheduling_platform.store.schema import Id, UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("credentials", sa.Text, nullable=True),
        sa.Column("status", sa.String(32), nullable=False, server_default="active"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("platform", "name", name="uq_accounts_platform_name"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("scheduled_at", UTCDateTime, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="5"),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("lease_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claim_batch", sa.String(120), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
        sa.Column("attempt_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("platform_post_id", sa.String(120), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("not_before", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_tasks_status_scheduled_at", "tasks", ["status", "scheduled_at"])
    op.create_index("ix_tasks_claim_batch", "tasks", ["claim_batch"])
    op.create_index("ix_tasks_account_scheduled_at", "tasks", ["account_id", "scheduled_at"])
    op.create_table(
        "publish_attempts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("error_kind", sa.String(24), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("platform_post_id", sa.String(120), nullable=True),
    )
    op.create_index("ix_publish_attempts_task_id", "publish_attempts", ["task_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("task_id", Id, nullable=True),
        sa.Column("account_id", Id, nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(24), nullable=True),
        sa.Column("to_status", sa.String(24), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_log_task_id", "audit_log", ["task_id"])


def downgrade() -> None:
    for table in ("audit_log", "publish_attempts", "tasks", "accounts"):
        op.drop_table(table)
