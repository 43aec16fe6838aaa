"""Model and engagement operations: retrain, list, promote, roll back, explain, evaluate, import."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from scheduling_platform.intelligence.engagement import collect_engagement, store_chunks, store_rows
from scheduling_platform.intelligence.registry import ModelRegistry
from scheduling_platform.intelligence.training import DEFAULT_MIN_GAIN, Thresholds, retrain
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import Timestamp, View
from scheduling_platform.store.models import ModelEntry
from scheduling_platform.timeutil import utcnow

UCI_MAPPING = Path(__file__).parents[1] / "intelligence" / "mappings" / "uci_facebook.json"


class ModelView(View):
    version: str
    status: str
    candidate: str
    rows: int
    created_at: Timestamp
    promoted_at: Timestamp | None
    holdout_r2: float | None
    cv_r2_spread: float | None
    detail: str | None

    @classmethod
    def of(cls, entry: ModelEntry) -> ModelView:
        return cls(
            version=entry.version,
            status=str(entry.status),
            candidate=entry.candidate,
            rows=entry.rows,
            created_at=entry.created_at,
            promoted_at=entry.promoted_at,
            holdout_r2=entry.summary.get("holdout_r2"),
            cv_r2_spread=entry.summary.get("cv_r2_spread"),
            detail=entry.detail,
        )


class CheckView(View):
    name: str
    passed: bool
    value: float
    threshold: float
    description: str


class RetrainRequest(BaseModel):
    min_gain: float = DEFAULT_MIN_GAIN
    min_r2: float | None = None
    max_spread: float | None = None
    promote: bool = True


class RetrainResult(View):
    model: dict[str, Any]  # the artifact's summary: version, candidate, metrics, importances
    checks: list[CheckView]
    promoted: bool
    in_use: str | None


class Explanation(View):
    task_id: int
    model: dict[str, Any]
    why: dict[str, Any]
    text: str


class EvaluationReport(View):
    csv: str
    target: str
    rows: int
    dropped_rows_without_target: int
    features: list[str]
    folds: int
    repeats: int
    scores: dict[str, dict[str, float]]  # candidate -> r2_log1p_mean/std, mae_mean/std


class CollectRequest(BaseModel):
    days: float = Field(default=7.0, gt=0, le=90, description="posts published this far back")


class CollectResult(View):
    posts_asked: int
    rows_written: int
    by_platform: dict[str, int]
    accounts_failed: dict[str, str]  # "platform/account id" -> the platform's error
    since: Timestamp


class ImportResult(View):
    rows: int
    source: str
    posted: str  # the first and last posting days


def retrain_model(ctx: ServiceContext, request: RetrainRequest) -> RetrainResult:
    """Train on all engagement in the warehouse; promote the model if its checks pass."""
    outcome = retrain(
        ctx.store,
        ctx.warehouse,
        Thresholds(request.min_r2, request.max_spread, request.min_gain),
        actor=ctx.actor,
        promote=request.promote,
    )
    return RetrainResult(
        model=outcome.artifact.summary(),
        checks=[CheckView(**c.__dict__) for c in outcome.checks],
        promoted=outcome.promoted,
        in_use=outcome.in_use,
    )


def list_models(ctx: ServiceContext) -> list[ModelView]:
    return [ModelView.of(e) for e in ModelRegistry(ctx.store).list()]


def promote_model(ctx: ServiceContext, version: str, *, force: bool = False) -> ModelView:
    """Put a version in use; a rejected one only with `force` (the refusal says why)."""
    return ModelView.of(ModelRegistry(ctx.store).promote(version, actor=ctx.actor, force=force))


def rollback_model(ctx: ServiceContext) -> ModelView:
    return ModelView.of(ModelRegistry(ctx.store).rollback(actor=ctx.actor))


def explain_task(ctx: ServiceContext, task_id: int) -> Explanation:
    from scheduling_platform.intelligence.explain import explain_task as explain

    ctx.owned_task(task_id)
    return Explanation(**explain(ctx.store, task_id))


def evaluate_csv(
    csv_path: Path, target: str, *, mapping_path: Path = UCI_MAPPING, folds: int, repeats: int
) -> EvaluationReport:
    """Repeated k-fold CV of every candidate and a mean baseline (scikit-learn, on use)."""
    from scheduling_platform.intelligence.evaluation import evaluate_csv as evaluate

    report = evaluate(csv_path, mapping_path, target, folds=folds, repeats=repeats)
    return EvaluationReport(**report)


def collect_engagement_now(ctx: ServiceContext, request: CollectRequest) -> CollectResult:
    """Ask the platforms now for the metrics of the workspace's posts of the last days, and
    store them (a post collected again replaces its older, smaller numbers)."""
    now = utcnow()
    since = now - timedelta(days=request.days)
    collection = collect_engagement(
        ctx.store, ctx.client, since, now, now=now, workspace_id=ctx.workspace_id
    )
    written = store_rows(ctx.warehouse, collection.rows)
    counts = collection.rows.groupby("platform").size().to_dict() if written else {}
    return CollectResult(
        posts_asked=collection.posts_asked,
        rows_written=written,
        by_platform={str(k): int(v) for k, v in counts.items()},
        accounts_failed=collection.errors,
        since=since,
    )


def import_engagement(ctx: ServiceContext, csv_path: Path, mapping_path: Path) -> ImportResult:
    """Import a CSV of past posts and their metrics into the warehouse (by a column mapping)."""
    from scheduling_platform.intelligence.importer import system_arrow_pool

    with system_arrow_pool():
        return _import_engagement(ctx, csv_path, mapping_path)


def _import_engagement(ctx: ServiceContext, csv_path: Path, mapping_path: Path) -> ImportResult:
    from scheduling_platform.intelligence.importer import RowKeys, import_chunks, load_mapping

    # Two passes over the file, chunk by chunk: every row is checked before the first is
    # written, and memory stays bounded whatever the file's size.
    first = last = None
    source = ""
    keys = RowKeys.of(load_mapping(mapping_path))
    for rows in import_chunks(csv_path, mapping_path, keys=keys):
        if rows.empty:
            continue
        low, high = rows["posted_at"].min(), rows["posted_at"].max()
        first = low if first is None else min(first, low)
        last = high if last is None else max(last, high)
        source = str(rows["source"].iloc[0])
    if first is None or last is None:
        raise ValueError(f"{csv_path} holds no rows to import")
    # The writing pass remembers only the hashes the file repeats, not one for every row.
    keys = keys.again()
    written = store_chunks(ctx.warehouse, import_chunks(csv_path, mapping_path, keys=keys))
    return ImportResult(rows=written, source=source, posted=f"{first:%Y-%m-%d} .. {last:%Y-%m-%d}")
