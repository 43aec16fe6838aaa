"""The model registry, and the model's prediction on each task it scheduled.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from scheduling_platform.store.schema import UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("candidate", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("artifact", sa.LargeBinary, nullable=False),
        sa.Column("promoted_at", UTCDateTime, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_models_status_promoted_at", "models", ["status", "promoted_at"])
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("predicted_engagement", sa.Float, nullable=True))
        batch.add_column(sa.Column("prediction_uncertainty", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("prediction_uncertainty")
        batch.drop_column("predicted_engagement")
    op.drop_index("ix_models_status_promoted_at", table_name="models")
    op.drop_table("models")
