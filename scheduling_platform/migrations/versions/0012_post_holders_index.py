"""An index for finding which task holds a platform's post, in any status and on any account.

Verification asks it after every unknown outcome; the unique index of 0007 holds only
published and submitted posts, per account, so the question scanned the whole table.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.create_index("ix_tasks_platform_post_id", "tasks", ["platform", "platform_post_id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_platform_post_id", table_name="tasks")
