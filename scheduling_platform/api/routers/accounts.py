"""Account endpoints: list, show, add, check with the platforms, re-authorise.

Credentials come in request bodies only and never go out: views name the fields they hold."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from scheduling_platform.api.auth import require
from scheduling_platform.api.idempotency import IdempotencyKey, run_once
from scheduling_platform.api.routers.common import AUTHENTICATED, AccountId, problems
from scheduling_platform.service import accounts as service
from scheduling_platform.service.accounts import AccountCheckView
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.views import AccountView

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


class ReauthoriseRequest(BaseModel):
    """Credentials merged into the account's; none: a new token from what it holds."""

    credentials: dict[str, Any] | None = None


@router.get("", response_model=list[AccountView], responses=problems(*AUTHENTICATED))
def list_accounts(ctx: ServiceContext = Depends(require("read"))) -> list[AccountView]:
    return service.list_accounts(ctx)


@router.post(
    "",
    status_code=201,
    response_model=AccountView,
    responses=problems(*AUTHENTICATED, 409, 503),
    summary="Add an account (without credentials the sandbox issues a token)",
)
def add_account(
    body: service.AddAccountRequest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
    ctx: ServiceContext = Depends(require("manage")),
) -> JSONResponse:
    return run_once(
        request, ctx, idempotency_key, body, 201, lambda: service.add_account(ctx, body)
    )


@router.post(
    "/check",
    response_model=list[AccountCheckView],
    responses=problems(*AUTHENTICATED, 409),
    summary="For each account: does its token work, when does it expire, is its platform up",
)
def check_accounts(
    request: Request,
    idempotency_key: IdempotencyKey = None,
    ctx: ServiceContext = Depends(require("publish")),
) -> JSONResponse:
    return run_once(request, ctx, idempotency_key, None, 200, lambda: service.check_accounts(ctx))


@router.get("/{account_id}", response_model=AccountView, responses=problems(*AUTHENTICATED, 404))
def show_account(
    account_id: AccountId, ctx: ServiceContext = Depends(require("read"))
) -> AccountView:
    return service.show_account(ctx, account_id)


@router.post(
    "/{account_id}/reauthorise",
    response_model=AccountView,
    responses=problems(*AUTHENTICATED, 404, 409, 503),
    summary="Renew an account's token, check it, and release the tasks held for it",
)
def reauthorise_account(
    account_id: AccountId,
    body: ReauthoriseRequest,
    request: Request,
    idempotency_key: IdempotencyKey = None,
    ctx: ServiceContext = Depends(require("manage")),
) -> JSONResponse:
    return run_once(
        request,
        ctx,
        idempotency_key,
        body,
        200,
        lambda: service.reauthorise_account(ctx, account_id, body.credentials),
    )
