"""Builds the client for a platform from its base URL and credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from scheduling_platform.platforms.baijiahao import BaijiahaoClient
from scheduling_platform.platforms.base import (
    PLATFORMS,
    ErrorKind,
    PlatformClient,
    PlatformClientBase,
)
from scheduling_platform.platforms.douyin import DouyinClient
from scheduling_platform.platforms.toutiao import ToutiaoClient
from scheduling_platform.platforms.wechat import WeChatClient
from scheduling_platform.platforms.weibo import WeiboClient
from scheduling_platform.settings import Settings

CLIENT_CLASSES: dict[str, type[PlatformClientBase]] = {
    "weibo": WeiboClient,
    "wechat": WeChatClient,
    "douyin": DouyinClient,
    "toutiao": ToutiaoClient,
    "baijiahao": BaijiahaoClient,
}


class UnsupportedPlatformError(ValueError):
    pass


def check_platform(platform: str) -> str:
    if platform not in PLATFORMS:
        raise UnsupportedPlatformError(
            f"unknown platform {platform!r}; choose one of {', '.join(PLATFORMS)}"
        )
    if platform not in CLIENT_CLASSES:
        raise UnsupportedPlatformError(f"platform {platform!r} is not supported yet")
    return platform


def sandbox_base_url(platform: str, settings: Settings) -> str:
    return f"{settings.sandbox_url.rstrip('/')}/{platform}"


def client_from_settings(platform: str, settings: Settings) -> PlatformClient:
    """The client these settings configure (the same the Dagster resources build)."""
    endpoint = settings.endpoint(check_platform(platform))
    return make_client(
        platform,
        settings.platform_base_url(platform),
        endpoint.timeout_seconds,
        app_key=endpoint.app_key,
        app_secret=endpoint.app_secret.get_secret_value() if endpoint.app_secret else None,
        error_kinds=endpoint.error_kinds,
        auth_base_url=endpoint.auth_base_url,
        origin_base_url=endpoint.origin_base_url,
        **settings_options(platform, settings),
    )


# The field each client calls its app's key and secret (Baijiahao's app token is per account).
APP_FIELDS: dict[str, tuple[str, str] | None] = {
    "weibo": ("app_key", "app_secret"),
    "wechat": ("app_id", "app_secret"),
    "douyin": ("client_key", "client_secret"),
    "toutiao": ("client_key", "client_secret"),
    "baijiahao": None,
}


def platform_options(
    platform: str,
    *,
    default_rip: str | None = None,
    refresh_renew_margin_days: float | None = None,
    media_public_base_url: str | None = None,
) -> dict[str, Any]:
    """The client fields a deployment sets for `platform` (None: the client's default)."""
    if platform == "weibo":
        return {"default_rip": default_rip or None}
    if platform == "douyin" and refresh_renew_margin_days is not None:
        return {"refresh_renew_margin_seconds": refresh_renew_margin_days * 86400}
    if platform == "baijiahao":
        return {"media_public_base_url": media_public_base_url or None}
    return {}


def settings_options(platform: str, settings: Settings) -> dict[str, Any]:
    """`platform_options` as these settings give them."""
    return platform_options(
        platform,
        default_rip=settings.weibo.default_rip,
        refresh_renew_margin_days=settings.douyin.refresh_renew_margin_days,
        media_public_base_url=settings.media_public_base_url,
    )


def make_client(
    platform: str,
    base_url: str,
    timeout_seconds: float = 10.0,
    *,
    app_key: str | None = None,
    app_secret: str | None = None,
    error_kinds: Mapping[str, str] | None = None,
    **options: Any,
) -> PlatformClient:
    """A client; `error_kinds` ({"code": "retryable" | "auth" | ...}) override the defaults.

    `options` are the client's own fields (auth_base_url, origin_base_url, ...); None ones
    are left at the client's default, a field the client lacks is an error.
    """
    cls = CLIENT_CLASSES[check_platform(platform)]
    known = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise ValueError(f"{platform} has no setting {', '.join(unknown)}")
    names = APP_FIELDS.get(platform)
    if names:
        if app_key:
            kwargs[names[0]] = app_key
        if app_secret:
            kwargs[names[1]] = app_secret
    # Every registered class implements PlatformClient; the base class alone does not say so.
    client: Any = cls(base_url=base_url, timeout_seconds=timeout_seconds, **kwargs)
    if error_kinds:
        try:
            client.error_kinds.update({int(c): ErrorKind(k) for c, k in error_kinds.items()})
        except ValueError as exc:
            raise ValueError(f"{platform} error_kinds: {exc}") from None
    return client
