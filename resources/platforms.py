"""One resource per platform configures its client; `PlatformsResource` gathers them."""

import os

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from scheduling_platform.platforms.base import PlatformClient
from scheduling_platform.platforms.registry import make_client, sandbox_base_url
from scheduling_platform.settings import get_settings


class PlatformResource(ConfigurableResource):
    """A platform's API endpoint; empty `base_url` means the local sandbox."""

    base_url: str | None = Field(default=None, description="the platform's API root")
    timeout_seconds: float = Field(default=10.0, description="per request")

    def client(self, platform: str) -> PlatformClient:
        base_url = self.base_url or sandbox_base_url(platform, get_settings())
        return make_client(platform, base_url, self.timeout_seconds)


class PlatformsResource(ConfigurableResource):
    """The clients of every platform the publisher may need."""

    weibo: PlatformResource

    def client(self, platform: str) -> PlatformClient:
        return getattr(self, platform).client(platform)


def platform_resource_from_env(platform: str) -> PlatformResource:
    """`SCHEDULING_<PLATFORM>_BASE_URL` when set (resolved at launch), else the sandbox."""
    variable = f"SCHEDULING_{platform.upper()}_BASE_URL"
    if variable in os.environ:
        return PlatformResource(base_url=EnvVar(variable))
    return PlatformResource()
