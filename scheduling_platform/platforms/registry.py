"""Builds the client for a platform from its base URL and credentials."""

from __future__ import annotations

from scheduling_platform.platforms.baijiahao import BaijiahaoClient
from scheduling_platform.platforms.base import PLATFORMS, PlatformClient
from scheduling_platform.platforms.douyin import DouyinClient
from scheduling_platform.platforms.toutiao import ToutiaoClient
from scheduling_platform.platforms.wechat import WeChatClient
from scheduling_platform.platforms.weibo import WeiboClient
from scheduling_platform.settings import Settings

CLIENT_CLASSES: dict[str, type] = {
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


def make_client(platform: str, base_url: str, timeout_seconds: float = 10.0) -> PlatformClient:
    return CLIENT_CLASSES[check_platform(platform)](
        base_url=base_url, timeout_seconds=timeout_seconds
    )
