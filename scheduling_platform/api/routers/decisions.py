"""Scheduling decisions before a task exists: suggested slots, and accounts' preferred posting
windows (where `user_preference` places posts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from scheduling_platform.api.auth import require
from scheduling_platform.api.routers.common import AUTHENTICATED, MAX_ID, AccountId, problems
from scheduling_platform.scheduling.strategies.suggest import MAX_TOP
from scheduling_platform.service import suggestions as service
from scheduling_platform.service.context import ServiceContext

router = APIRouter(tags=["scheduling"])


class PostingWindowsRequest(BaseModel):
    """Windows like "mon-fri 12:00-14:00" in the account's zone; empty clears them."""

    windows: list[str]


@router.get(
    "/api/v1/scheduling/suggestions",
    response_model=service.SuggestionsView,
    responses=problems(*AUTHENTICATED, 404),
    summary="The best free slots for a post of an account, with predictions and reasons",
)
def suggestions(
    account_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    content: Annotated[str, Query(max_length=10_000)] = "",
    media: Annotated[list[str] | None, Query(max_length=20)] = None,
    title: Annotated[str | None, Query(max_length=200)] = None,
    start: Annotated[str | None, Query(description="ISO 8601; default now")] = None,
    window: Annotated[str | None, Query(description="7d, 36h, 90m; default 7d")] = None,
    top: Annotated[int, Query(ge=1, le=MAX_TOP)] = 5,
    ctx: ServiceContext = Depends(require("read")),
) -> service.SuggestionsView:
    request = service.SuggestRequest(
        account_id=account_id,
        content=content,
        media=media or [],
        title=title,
        start=start,
        window=window,
        top=top,
    )
    return service.suggest_slots(ctx, request)


@router.get(
    "/api/v1/accounts/{account_id}/posting-windows",
    response_model=service.PostingWindowsView,
    responses=problems(*AUTHENTICATED, 404),
    tags=["accounts"],
    summary="An account's preferred posting windows",
)
def posting_windows(
    account_id: AccountId, ctx: ServiceContext = Depends(require("read"))
) -> service.PostingWindowsView:
    return service.posting_windows(ctx, account_id)


@router.put(
    "/api/v1/accounts/{account_id}/posting-windows",
    response_model=service.PostingWindowsView,
    responses=problems(*AUTHENTICATED, 404),
    tags=["accounts"],
    summary="Replace an account's preferred posting windows",
)
def set_posting_windows(
    account_id: AccountId,
    body: PostingWindowsRequest,
    ctx: ServiceContext = Depends(require("manage")),
) -> service.PostingWindowsView:
    return service.set_posting_windows(ctx, account_id, body.windows)
