"""How the model decided a task's slot (explored or not), and A/B experiments of strategies.

Revision ID: 0010
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from scheduling_platform.store.schema import Id, UTCDateTime

revision = "0010"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "task_decisions",
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id"), primary_key=True),
        sa.Column("explored", sa.Boolean, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "experiments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", Id, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("arms", sa.Text, nullable=False),
        sa.Column("account_ids", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "experiment_assignments",
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id"), primary_key=True),
        sa.Column("experiment_id", Id, sa.ForeignKey("experiments.id"), nullable=False, index=True),
        sa.Column("arm", sa.String(32), nullable=False),
        sa.Column("assigned_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("experiment_assignments")
    op.drop_table("experiments")
    op.drop_table("task_decisions")
