"""One resource per platform configures its client; `PlatformsResource` gathers them."""

import os
from typing import Any

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from scheduling_platform.platforms.base import PlatformClient
from scheduling_platform.platforms.registry import (
    make_client,
    sandbox_base_url,
    settings_options,
)
from scheduling_platform.settings import get_settings


class PlatformResource(ConfigurableResource):
    """A platform's API endpoint and app credentials; empty `base_url` means the sandbox."""

    base_url: str | None = Field(default=None, description="the platform's API root")
    timeout_seconds: float = Field(default=10.0, description="per request")
    app_key: str | None = Field(
        default=None, description="app key / appid / client_key (EnvVar in production)"
    )
    app_secret: str | None = Field(default=None, description="app secret (always via EnvVar)")
    auth_base_url: str | None = Field(
        default=None, description="Toutiao: the OAuth host when it differs from base_url"
    )
    origin_base_url: str | None = Field(
        default=None, description="WeChat, Baijiahao: root of the per-task origin URL"
    )
    error_kinds: dict[str, str] = Field(
        default_factory=dict,
        description='error code -> "retryable" | "auth" | "rejected" | "quota" overrides',
    )

    def client(self, platform: str) -> PlatformClient:
        settings = get_settings()
        base_url = self.base_url or sandbox_base_url(platform, settings)
        options: dict[str, Any] = settings_options(platform, settings)
        if self.auth_base_url:
            options["auth_base_url"] = self.auth_base_url
        if self.origin_base_url:
            options["origin_base_url"] = self.origin_base_url
        return make_client(
            platform,
            base_url,
            self.timeout_seconds,
            app_key=self.app_key,
            app_secret=self.app_secret,
            error_kinds=self.error_kinds,
            **options,
        )


class PlatformsResource(ConfigurableResource):
    """The clients of every platform the publisher may need."""

    weibo: PlatformResource
    wechat: PlatformResource
    douyin: PlatformResource
    toutiao: PlatformResource
    baijiahao: PlatformResource

    def client(self, platform: str) -> PlatformClient:
        return getattr(self, platform).client(platform)


# Settings read from SCHEDULING_<PLATFORM>_<NAME> when set; EnvVar resolves them at launch,
# so secrets are never frozen into the code location or shown in the UI.
ENV_SETTINGS = ("base_url", "app_key", "app_secret", "auth_base_url", "origin_base_url")


def platform_resource_from_env(platform: str) -> PlatformResource:
    """A platform's resource from `SCHEDULING_<PLATFORM>_*` when set, else the sandbox."""
    settings = {}
    for name in ENV_SETTINGS:
        variable = f"SCHEDULING_{platform.upper()}_{name.upper()}"
        if variable in os.environ:
            settings[name] = EnvVar(variable)
    return PlatformResource(**settings)
