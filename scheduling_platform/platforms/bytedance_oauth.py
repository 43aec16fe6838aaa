"""OAuth shared by Douyin and Toutiao (both ByteDance): token renewal (refresh token first,
then a held authorisation code, else the account must be authorised again) and the account
check through `oauth/userinfo/`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from scheduling_platform.platforms.base import AccountCheck, ErrorKind, PlatformError, TokenGrant
from scheduling_platform.platforms.credentials import token_expires_at
from scheduling_platform.timeutil import utcnow

# (path, form) -> the `data` object of the answer, errors already raised as PlatformError.
PostForm = Callable[[str, dict[str, Any]], dict[str, Any]]


def renew_token(
    credentials: dict[str, Any], post_form: PostForm, *, client_secret: str, platform: str
) -> TokenGrant:
    refresh = credentials.get("refresh_token")
    code = credentials.get("authorization_code")
    if refresh:
        try:
            return token_grant(
                post_form(
                    "/oauth/refresh_token/",
                    {"grant_type": "refresh_token", "refresh_token": refresh},
                )
            )
        except PlatformError as exc:
            if exc.kind is not ErrorKind.AUTH or not code:
                raise
    if not code:
        raise PlatformError(ErrorKind.AUTH, f"the account must be authorised again on {platform}")
    return token_grant(
        post_form(
            "/oauth/access_token/",
            {"grant_type": "authorization_code", "code": code, "client_secret": client_secret},
        )
    )


def token_grant(data: dict[str, Any]) -> TokenGrant:
    now = utcnow()
    expires_at = now + timedelta(seconds=int(data.get("expires_in", 0)))
    refresh_expires = now + timedelta(seconds=int(data.get("refresh_expires_in", 0)))
    return TokenGrant(
        access_token=str(data["access_token"]),
        expires_at=expires_at,
        refresh_token=data.get("refresh_token"),
        extra={
            "open_id": str(data.get("open_id", "")),
            "expires_at": expires_at.isoformat(),
            "refresh_expires_at": refresh_expires.isoformat(),
        },
    )


def check_account(credentials: dict[str, Any], post_form: PostForm) -> AccountCheck:
    """Does the token work, and whose is it (`oauth/userinfo/`)."""
    try:
        data = post_form(
            "/oauth/userinfo/",
            {
                "access_token": credentials.get("access_token", ""),
                "open_id": credentials.get("open_id", ""),
            },
        )
    except PlatformError as exc:
        if exc.kind is ErrorKind.AUTH:
            return AccountCheck(False, None, exc.platform_message)
        raise
    role = data.get("e_account_role")
    detail = f"open_id {data.get('open_id')}" + (f", role {role}" if role else "")
    return AccountCheck(True, token_expires_at(credentials), detail)
