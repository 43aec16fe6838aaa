"""Workspaces own accounts, tasks and API keys; users, API keys, idempotency records; the audit
log names the workspace, key and client address of a change.

Everything from before workspaces moves into the default workspace (id 1, "default").

Revision ID: 0005
Revises: 0004
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from scheduling_platform.store.schema import Id, UTCDateTime

revision = "0005"
down_revision = "0004"

DEFAULT_WORKSPACE_ID = 1


def _add_workspace_column(table: str, backfill: str) -> None:
    # Two steps: SQLite adds a nullable column in place; making it NOT NULL rebuilds the table
    # (batch mode), which copies the values the UPDATE filled in.
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("workspace_id", Id, nullable=True))
    op.execute(backfill)
    with op.batch_alter_table(table) as batch:
        batch.alter_column("workspace_id", existing_type=Id, nullable=False)
        batch.create_foreign_key(f"fk_{table}_workspace_id", "workspaces", ["workspace_id"], ["id"])


def upgrade() -> None:
    workspaces = op.create_table(
        "workspaces",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.bulk_insert(
        workspaces,
        [{"id": DEFAULT_WORKSPACE_ID, "name": "default", "created_at": datetime.now(UTC)}],
    )
    if op.get_bind().dialect.name == "postgresql":
        # The explicit id above leaves the sequence behind it.
        op.execute("SELECT setval(pg_get_serial_sequence('workspaces', 'id'), 1)")
    op.create_table(
        "users",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", Id, sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("workspace_id", "name", name="uq_users_workspace_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", Id, sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("hash_secret_id", sa.String(16), nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("rate_limit", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_used_at", UTCDateTime, nullable=True),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_api_keys_workspace_id", "api_keys", ["workspace_id"])
    op.create_table(
        "idempotency_records",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", Id, sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("workspace_id", "idempotency_key", name="uq_idempotency_workspace_key"),
    )
    op.create_index("ix_idempotency_records_created_at", "idempotency_records", ["created_at"])

    _add_workspace_column("accounts", f"UPDATE accounts SET workspace_id = {DEFAULT_WORKSPACE_ID}")
    # Two workspaces may each have a Weibo account called "brand".
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("uq_accounts_platform_name", type_="unique")
        batch.create_unique_constraint(
            "uq_accounts_workspace_platform_name", ["workspace_id", "platform", "name"]
        )
    _add_workspace_column(
        "tasks",
        "UPDATE tasks SET workspace_id = "
        "(SELECT accounts.workspace_id FROM accounts WHERE accounts.id = tasks.account_id)",
    )
    op.create_index(
        "ix_tasks_workspace_scheduled_at", "tasks", ["workspace_id", "scheduled_at", "id"]
    )
    op.create_index("ix_tasks_workspace_id", "tasks", ["workspace_id", "id"])
    # The metrics endpoint counts the last hour's outcomes by when attempts finished.
    op.create_index("ix_publish_attempts_finished_at", "publish_attempts", ["finished_at"])

    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("workspace_id", Id, nullable=True))
        batch.add_column(sa.Column("api_key_id", Id, nullable=True))
        batch.add_column(sa.Column("client_address", sa.String(64), nullable=True))
    op.execute(
        f"UPDATE audit_log SET workspace_id = {DEFAULT_WORKSPACE_ID} "
        "WHERE task_id IS NOT NULL OR account_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        for column in ("client_address", "api_key_id", "workspace_id"):
            batch.drop_column(column)
    op.drop_index("ix_publish_attempts_finished_at", "publish_attempts")
    op.drop_index("ix_tasks_workspace_id", "tasks")
    op.drop_index("ix_tasks_workspace_scheduled_at", "tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("fk_tasks_workspace_id", type_="foreignkey")
        batch.drop_column("workspace_id")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("uq_accounts_workspace_platform_name", type_="unique")
        batch.drop_constraint("fk_accounts_workspace_id", type_="foreignkey")
        batch.drop_column("workspace_id")
        batch.create_unique_constraint("uq_accounts_platform_name", ["platform", "name"])
    for table in ("idempotency_records", "api_keys", "users", "workspaces"):
        op.drop_table(table)
