"""`accounts check`: for every account, whether its token works, when it expires, and
whether its platform answers at all."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduling_platform.lifecycle import AccountStatus
from scheduling_platform.platforms.base import ErrorKind, PlatformClient, PlatformError
from scheduling_platform.platforms.registry import UnsupportedPlatformError
from scheduling_platform.redaction import redact
from scheduling_platform.store.records import Account
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow


@dataclass(frozen=True)
class AccountReport:
    account_id: int
    platform: str
    name: str
    status: str  # the account's status in the store: active, needs_reauth
    platform_available: bool
    token_valid: bool | None  # None: could not tell (platform down, no client)
    expires_at: datetime | None
    expires_in_seconds: int | None
    detail: str

    @property
    def ok(self) -> bool:
        return (
            self.platform_available
            and self.token_valid is True
            and self.status == AccountStatus.ACTIVE
        )

    def view(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "platform": self.platform,
            "name": self.name,
            "status": self.status,
            "platform_available": self.platform_available,
            "token_valid": self.token_valid,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "expires_in_seconds": self.expires_in_seconds,
            "ok": self.ok,
            "detail": self.detail,
        }


def _stored_expiry(account: Account) -> datetime | None:
    value = account.credentials.get("expires_at")
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def check_account(
    account: Account, client: PlatformClient | None, available: bool, now: datetime
) -> AccountReport:
    token_valid: bool | None = None
    problem = account.credentials_problem()
    expires_at = None if problem else _stored_expiry(account)
    if problem is not None:  # a lost key or a moved value: only new credentials help
        token_valid, detail = False, f"credentials cannot be opened: {problem}"
    elif client is None:
        detail = f"no client for {account.platform} yet"
    elif not available:
        detail = f"{account.platform} did not answer"
    else:
        try:
            check = client.validate_account(account.credentials)
            token_valid, detail = check.token_valid, check.detail
            expires_at = check.expires_at or expires_at
        except PlatformError as exc:
            token_valid = False if exc.kind is ErrorKind.AUTH else None
            detail = str(exc)
    if account.effective_status != AccountStatus.ACTIVE:
        detail = f"account is {account.effective_status}; {detail}"
    return AccountReport(
        account_id=account.id,
        platform=account.platform,
        name=account.name,
        status=account.effective_status,
        platform_available=available,
        token_valid=token_valid,
        expires_at=expires_at,
        expires_in_seconds=int((expires_at - now).total_seconds()) if expires_at else None,
        detail=redact(detail),
    )


def _available(client: PlatformClient | None) -> bool:
    return client is not None and client.is_available()


def check_accounts(
    store: TaskStore,
    client_for: Callable[[str], PlatformClient],
    *,
    concurrency: int = 8,
    workspace_id: int | None = None,
) -> list[AccountReport]:
    """One report an account (of one workspace, or all), in id order; each platform's
    availability is asked once."""
    accounts = store.list_accounts(workspace_id=workspace_id)
    clients: dict[str, PlatformClient | None] = {}
    for platform in sorted({a.platform for a in accounts}):
        try:
            clients[platform] = client_for(platform)
        except UnsupportedPlatformError:
            clients[platform] = None
    now = utcnow()
    with ThreadPoolExecutor(max(1, concurrency)) as pool:
        available = dict(
            zip(
                clients,
                pool.map(_available, clients.values()),
                strict=True,
            )
        )
        return list(
            pool.map(
                lambda a: check_account(a, clients[a.platform], available[a.platform], now),
                accounts,
            )
        )
