"""The strategy that placed each task, and accounts' preferred posting windows.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from scheduling_platform.store.schema import Id

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("strategy", sa.String(32), nullable=True))
    op.create_table(
        "posting_windows",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", Id, sa.ForeignKey("accounts.id"), nullable=False, index=True),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("start_minute", sa.Integer, nullable=False),
        sa.Column("end_minute", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("posting_windows")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("strategy")
