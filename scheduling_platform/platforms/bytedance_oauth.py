"""OAuth shared by Douyin and Toutiao (both ByteDance): token renewal (refresh token first,
then a held authorisation code, else the account must be authorised again) and the account
check through `oauth/userinfo/`.

A refresh token lives 30 days and refreshing the access token does not extend it; Douyin's
`oauth/renew_refresh_token/` issues a new one. When `renew_margin` is given, a refresh that
happens within that margin of the refresh token's end renews the refresh token first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from scheduling_platform.platforms.base import AccountCheck, ErrorKind, PlatformError, TokenGrant
from scheduling_platform.platforms.credentials import token_expires_at
from scheduling_platform.timeutil import as_utc, utcnow

REFRESH_TOKEN_LIFETIME = timedelta(days=30)

# (path, form) -> the `data` object of the answer, errors already raised as PlatformError.
PostForm = Callable[[str, dict[str, Any]], dict[str, Any]]


def refresh_token_ends(credentials: dict[str, Any]) -> datetime | None:
    """When the held refresh token ends: its stored end, else 30 days after it was issued."""
    for name, plus in (("refresh_expires_at", timedelta(0)), ("refresh_issued_at", None)):
        value = credentials.get(name)
        if isinstance(value, str) and value:
            try:
                moment = as_utc(datetime.fromisoformat(value))
            except ValueError:
                continue
            return moment + (plus if plus is not None else REFRESH_TOKEN_LIFETIME)
    return None


def _renewed_refresh(
    credentials: dict[str, Any], post_form: PostForm, renew_margin: timedelta | None
) -> tuple[str | None, dict[str, str]]:
    """The refresh token to use, renewed first when its end is within `renew_margin`."""
    refresh = credentials.get("refresh_token")
    ends = refresh_token_ends(credentials)
    if not refresh or renew_margin is None or ends is None or ends - utcnow() > renew_margin:
        return refresh, {}
    data = post_form("/oauth/renew_refresh_token/", {"refresh_token": refresh})
    now = utcnow()
    lifetime = timedelta(seconds=int(data.get("expires_in", 0))) or REFRESH_TOKEN_LIFETIME
    renewed = {
        "refresh_token": str(data["refresh_token"]),
        "refresh_issued_at": now.isoformat(),
        "refresh_expires_at": (now + lifetime).isoformat(),
    }
    return renewed["refresh_token"], renewed


def renew_token(
    credentials: dict[str, Any],
    post_form: PostForm,
    *,
    client_secret: str,
    platform: str,
    renew_margin: timedelta | None = None,
) -> TokenGrant:
    code = credentials.get("authorization_code")
    try:
        refresh, renewed = _renewed_refresh(credentials, post_form, renew_margin)
    except PlatformError as exc:
        if exc.kind is not ErrorKind.AUTH:
            raise
        refresh, renewed = None, {}  # the refresh token is gone: a held code is all that is left
    if refresh:
        try:
            grant = token_grant(
                post_form(
                    "/oauth/refresh_token/",
                    {"grant_type": "refresh_token", "refresh_token": refresh},
                )
            )
            if renewed:  # the renewed token and its 30 days are what the account keeps
                grant = TokenGrant(
                    grant.access_token,
                    grant.expires_at,
                    renewed["refresh_token"],
                    {**grant.extra, **renewed},
                )
            return grant
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
    extra = {"open_id": str(data.get("open_id", "")), "expires_at": expires_at.isoformat()}
    if data.get("refresh_expires_in"):
        # What is left of the refresh token's 30 days: refreshing does not extend them.
        refresh_expires = now + timedelta(seconds=int(data["refresh_expires_in"]))
        extra["refresh_expires_at"] = refresh_expires.isoformat()
    return TokenGrant(
        access_token=str(data["access_token"]),
        expires_at=expires_at,
        refresh_token=data.get("refresh_token"),
        extra=extra,
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
