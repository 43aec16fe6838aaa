"""Task-store tables (SQLAlchemy Core). Alembic migrations under `migrations/` create them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite and Postgres alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the task store; use aware UTC")
        value = value.astimezone(UTC)
        # SQLite has no time zones: keep the UTC wall time so strings sort as times.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = BigInteger().with_variant(Integer(), "sqlite")
# The tasks whose post id names a post on the platform (published, or in review).
POST_HOLDING = text("platform_post_id IS NOT NULL AND status IN ('published', 'submitted')")

metadata = MetaData()

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name", name="uq_users_workspace_name"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id"), nullable=False, index=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=True),
    # The key's public part, in every key it prefixes: finds the row without the secret.
    Column("public_id", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False),  # hex HMAC-SHA256 of the whole key
    Column("hash_secret_id", String(16), nullable=False),  # which server secret made it
    Column("scopes", String(200), nullable=False),  # comma separated
    Column("rate_limit", String(64), nullable=False),  # limits notation, e.g. 1000/hour
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id"), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # SHA-256 of method, path and body
    Column("status_code", Integer, nullable=True),  # None: the first request is still running
    Column("response", Text, nullable=True),  # the JSON answered, replayed to retries
    Column("created_at", UTCDateTime, nullable=False, index=True),
    UniqueConstraint("workspace_id", "idempotency_key", name="uq_idempotency_workspace_key"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("credentials", Text, nullable=True),
    Column("status", String(32), nullable=False, server_default="active"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("followers", BigInteger, nullable=True),  # None: not known yet
    UniqueConstraint(
        "workspace_id", "platform", "name", name="uq_accounts_workspace_platform_name"
    ),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("title", String(200), nullable=True),
    Column("content", Text, nullable=False),
    Column("scheduled_at", UTCDateTime, nullable=False),
    Column("priority", Integer, nullable=False, server_default="5"),
    Column("status", String(24), nullable=False),
    Column("lease_version", Integer, nullable=False, server_default="0"),
    Column("claim_batch", String(120), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("attempt_count", Integer, nullable=False, server_default="0"),
    Column("platform_post_id", String(120), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Column("model_version", String(64), nullable=True),
    Column("not_before", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Set when the engagement model chose the time (migration 0002).
    Column("predicted_engagement", Float, nullable=True),
    Column("prediction_uncertainty", Float, nullable=True),
    Column("media", Text, nullable=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id"), nullable=False),
    # An occurrence of a recurring series: the series and the occurrence's own start (which
    # stays the key when the task is moved), unique so an occurrence is expanded once (0006).
    Column("series_id", Id, ForeignKey("series.id"), nullable=True),
    Column("occurrence_start", UTCDateTime, nullable=True),
    # Set by imports (and any client that wants it): the same key is never created twice.
    Column("idempotency_key", String(64), nullable=True),
    # How its time was chosen: immediate, optimal_time, ... (migration 0011; None before).
    Column("strategy", String(32), nullable=True),
    Index("ix_tasks_status_scheduled_at", "status", "scheduled_at"),
    Index("ix_tasks_claim_batch", "claim_batch"),
    Index("ix_tasks_account_scheduled_at", "account_id", "scheduled_at"),
    # A workspace's listings, soonest first and newest first (migration 0005).
    Index("ix_tasks_workspace_scheduled_at", "workspace_id", "scheduled_at", "id"),
    Index("ix_tasks_workspace_id", "workspace_id", "id"),
    Index("uq_tasks_series_occurrence", "series_id", "occurrence_start", unique=True),
    Index("uq_tasks_idempotency_key", "idempotency_key", unique=True),
    # Which task holds a post, in any status, on any of the platform's accounts (0012).
    Index("ix_tasks_platform_post_id", "platform", "platform_post_id"),
    # One platform post, one task (migration 0007): verification can never give two tasks
    # the same post, whatever it matched.
    Index(
        "uq_tasks_platform_post",
        "platform",
        "account_id",
        "platform_post_id",
        unique=True,
        sqlite_where=POST_HOLDING,
        postgresql_where=POST_HOLDING,
    ),
)

series = Table(
    "series",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id"), nullable=False, index=True),
    Column("title", String(200), nullable=True),
    Column("content", Text, nullable=False),
    Column("media", Text, nullable=True),  # JSON list, as on tasks
    Column("priority", Integer, nullable=False, server_default="5"),
    Column("strategy", String(32), nullable=False, server_default="fixed"),
    Column("rrule", Text, nullable=False),  # the RRULE value (RFC 5545), COUNT/UNTIL included
    Column("dtstart", String(32), nullable=False),  # local wall time, ISO 8601 without offset
    Column("timezone", String(64), nullable=False),  # the account's zone when it was made
    Column("exdates", Text, nullable=True),  # JSON list of local wall times or dates
    Column("status", String(16), nullable=False),
    Column("parent_id", Id, nullable=True),  # the series a "this and following" edit split
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# An account's preferred posting windows, in its own zone: weekday (0 Monday) and minutes of
# the day [start, end) (migration 0011); `user_preference` places posts inside them.
posting_windows = Table(
    "posting_windows",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("account_id", Id, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("weekday", Integer, nullable=False),
    Column("start_minute", Integer, nullable=False),
    Column("end_minute", Integer, nullable=False),
)

# The latest conflicts of an occurrence the expansion could not create (tried again each time).
series_conflicts = Table(
    "series_conflicts",
    metadata,
    Column("series_id", Id, ForeignKey("series.id"), primary_key=True),
    Column("occurrence_start", UTCDateTime, primary_key=True),
    Column("conflicts", Text, nullable=False),  # JSON list of conflicts
    Column("checked_at", UTCDateTime, nullable=False),
)

# The LSH index of task texts (see fingerprints.py): a task shares a band key with another
# when their MinHash signatures agree on all rows of that band.
content_bands = Table(
    "content_bands",
    metadata,
    Column("task_id", Id, primary_key=True),  # no foreign key: tasks are never deleted, and
    Column("band_key", BigInteger, primary_key=True),  # the check per row doubles the insert
    Column("account_id", Id, nullable=False),
    Index("ix_content_bands_account_key", "account_id", "band_key"),
)

publish_attempts = Table(
    "publish_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("task_id", Id, ForeignKey("tasks.id"), nullable=False, index=True),
    Column("attempt_no", Integer, nullable=False),
    Column("run_id", String(64), nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("outcome", String(24), nullable=True),
    Column("error_kind", String(24), nullable=True),
    Column("error", Text, nullable=True),
    Column("platform_post_id", String(120), nullable=True),
    Index("ix_publish_attempts_finished_at", "finished_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("task_id", Id, nullable=True, index=True),
    Column("account_id", Id, nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=True),
    Column("detail", Text, nullable=True),
    # Where a change came from (migration 0005): none for the platform's own processes.
    Column("workspace_id", Id, nullable=True),
    Column("api_key_id", Id, nullable=True),
    Column("client_address", String(64), nullable=True),
)

models = Table(
    "models",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # candidate | promoted | rejected
    Column("candidate", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: ModelArtifact.summary()
    Column("artifact", LargeBinary, nullable=False),  # the pickled ModelArtifact
    Column("promoted_at", UTCDateTime, nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_models_status_promoted_at", "status", "promoted_at"),
)

# How a model-timed task's slot was decided (migration 0010): exploited or explored.
task_decisions = Table(
    "task_decisions",
    metadata,
    Column("task_id", Id, ForeignKey("tasks.id"), primary_key=True),
    Column("explored", Boolean, nullable=False),  # Thompson sampling chose, not the argmax
    Column("model_version", String(64), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
)

# A/B experiments of strategies (migration 0010): arms and shares, and each task's arm.
experiments = Table(
    "experiments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id"), nullable=False, index=True),
    Column("name", String(120), nullable=False),
    Column("arms", Text, nullable=False),  # JSON list of {"strategy", "share"}
    Column("account_ids", Text, nullable=False),  # JSON list
    Column("status", String(16), nullable=False),  # running | stopped
    Column("created_at", UTCDateTime, nullable=False),
)
experiment_assignments = Table(
    "experiment_assignments",
    metadata,
    Column("task_id", Id, ForeignKey("tasks.id"), primary_key=True),
    Column("experiment_id", Id, ForeignKey("experiments.id"), nullable=False, index=True),
    Column("arm", String(32), nullable=False),
    Column("assigned_at", UTCDateTime, nullable=False),
)
