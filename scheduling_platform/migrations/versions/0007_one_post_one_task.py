"""One platform post, one task: a partial unique index on (platform, account, post id).

Before it, verification after an unknown outcome matched posts by text or title alone and
could record a second task as published with an earlier task's post. Such tasks are found
here: the task whose own publish answer named the post keeps it; a task that took it by
lookup goes to `needs_attention`, its post id moved into its error, since its own post was
never seen. Where no holder had the platform's own answer, none keeps it (never a guess).

Revision ID: 0007
Revises: 0006
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

HOLDING = "platform_post_id IS NOT NULL AND status IN ('published', 'submitted')"
ACTOR = "migration 0007"


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the store keeps UTC wall time on SQLite
    groups = conn.execute(
        sa.text(
            f"SELECT platform, account_id, platform_post_id FROM tasks WHERE {HOLDING} "
            "GROUP BY platform, account_id, platform_post_id HAVING count(*) > 1"
        )
    ).all()
    for platform, account_id, post_id in groups:
        holders = conn.execute(
            sa.text(
                f"SELECT t.id, t.status, t.workspace_id, EXISTS (SELECT 1 FROM publish_attempts a "
                "WHERE a.task_id = t.id AND a.platform_post_id = t.platform_post_id "
                "AND a.outcome IN ('published', 'submitted')) AS answered "
                f"FROM tasks t WHERE {HOLDING} AND t.platform = :p AND t.account_id = :a "
                "AND t.platform_post_id = :post ORDER BY t.id"
            ),
            {"p": platform, "a": account_id, "post": post_id},
        ).all()
        answered = [h for h in holders if h.answered]
        keeper = answered[0].id if len(answered) == 1 else None
        for holder in holders:
            if holder.id == keeper:
                continue
            detail = (
                f"held post {post_id} with task(s) "
                f"{', '.join(str(h.id) for h in holders if h.id != holder.id)}: taken by a "
                "lookup that matched text or title alone; this task's own post was never seen"
            )
            conn.execute(
                sa.text(
                    "UPDATE tasks SET status = 'needs_attention', platform_post_id = NULL, "
                    "last_error = :detail, updated_at = :now, "
                    "lease_version = lease_version + 1 WHERE id = :id"
                ),
                {"detail": detail, "now": now, "id": holder.id},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (task_id, account_id, at, actor, from_status, "
                    "to_status, detail, workspace_id) VALUES (:id, :a, :now, :actor, :src, "
                    "'needs_attention', :detail, :ws)"
                ),
                {
                    "id": holder.id,
                    "a": account_id,
                    "now": now,
                    "actor": ACTOR,
                    "src": holder.status,
                    "detail": detail,
                    "ws": holder.workspace_id,
                },
            )
    op.create_index(
        "uq_tasks_platform_post",
        "tasks",
        ["platform", "account_id", "platform_post_id"],
        unique=True,
        sqlite_where=sa.text(HOLDING),
        postgresql_where=sa.text(HOLDING),
    )


def downgrade() -> None:
    op.drop_index("uq_tasks_platform_post", table_name="tasks")
