"""Scheduling decisions before a task exists: suggested slots, and accounts' preferred posting
windows (which `user_preference` places posts in)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from scheduling_platform.scheduling.conflicts.checker import ConflictChecker
from scheduling_platform.scheduling.conflicts.model import Post
from scheduling_platform.scheduling.strategies.choose import IMMEDIATE_LEAD
from scheduling_platform.scheduling.strategies.create import preferred_windows
from scheduling_platform.scheduling.strategies.scores import Predictor, parse_window
from scheduling_platform.scheduling.strategies.suggest import suggest
from scheduling_platform.scheduling.strategies.windows import describe, parse_windows
from scheduling_platform.scheduling.tasks import future_time
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import ConflictView, Timestamp, View
from scheduling_platform.timeutil import in_zone, utcnow


class SuggestRequest(BaseModel):
    """A post that does not exist yet; its text and media only feed the model and checks."""

    account_id: int
    content: str = ""
    media: list[str] = Field(default_factory=list)
    title: str | None = None
    start: str | datetime | None = None  # the window's start (default now)
    window: str | None = None  # 7d, 36h, 90m
    top: int = 5


class SuggestionView(View):
    at: Timestamp
    local_time: str  # in the account's zone, ISO 8601
    predicted: float
    low: float  # one sigma below (log-normal residuals of the model)
    high: float
    reasons: list[str]
    warnings: list[ConflictView]


class SuggestionsView(View):
    account_id: int
    model_version: str
    window_start: Timestamp
    window_end: Timestamp
    items: list[SuggestionView]


class PostingWindowsView(View):
    account_id: int
    timezone: str
    windows: list[str]  # one a weekday, e.g. "mon 12:00-14:00"
    summary: str  # grouped, e.g. "mon,tue,wed,thu,fri 12:00-14:00"


def suggest_slots(ctx: ServiceContext, request: SuggestRequest) -> SuggestionsView:
    """The top slots of the window for this post, best predicted first."""
    account = ctx.owned_account(request.account_id)
    now = utcnow()
    start = (
        future_time(request.start, account.timezone, now) if request.start else now + IMMEDIATE_LEAD
    )
    window = parse_window(request.window)
    predictor = Predictor(ctx.store)
    post = Post(account.id, account.platform, request.content, start, tuple(request.media))
    found = suggest(
        ConflictChecker(ctx.store, ctx.rules),
        predictor,
        account,
        post,
        title=request.title,
        window=window,
        top=request.top,
        now=now,
        windows=preferred_windows(ctx.store, account.id),
    )
    return SuggestionsView(
        account_id=account.id,
        model_version=predictor.version,
        window_start=start,
        window_end=start + window,
        items=[
            SuggestionView(
                at=s.at,
                local_time=in_zone(s.at, account.timezone).isoformat(),
                predicted=round(s.predicted, 2),
                low=round(s.low, 2),
                high=round(s.high, 2),
                reasons=list(s.reasons),
                warnings=ConflictView.all(s.check.warnings, account.timezone),
            )
            for s in found
        ],
    )


def _windows_view(ctx: ServiceContext, account_id: int) -> PostingWindowsView:
    account = ctx.owned_account(account_id)
    windows = preferred_windows(ctx.store, account_id)
    return PostingWindowsView(
        account_id=account_id,
        timezone=account.timezone,
        windows=[w.text() for w in windows],
        summary=describe(windows) or "none",
    )


def set_posting_windows(
    ctx: ServiceContext, account_id: int, specs: list[str]
) -> PostingWindowsView:
    """Replace the account's preferred windows (an empty list clears them)."""
    account = ctx.owned_account(account_id)
    windows = parse_windows(specs)
    ctx.store.set_posting_windows(
        account_id, [w.row() for w in windows], actor=ctx.actor, workspace_id=account.workspace_id
    )
    return _windows_view(ctx, account_id)


def posting_windows(ctx: ServiceContext, account_id: int) -> PostingWindowsView:
    return _windows_view(ctx, account_id)
