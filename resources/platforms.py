"""One resource per platform configures its client; `PlatformsResource` gathers them."""

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from scheduling_platform.platforms.base import PlatformClient
from scheduling_platform.platforms.registry import make_client, platform_options
from scheduling_platform.settings import Settings


class PlatformResource(ConfigurableResource):
    """A platform's API endpoint and app credentials."""

    base_url: str = Field(description="the platform's API root (the sandbox's mount by default)")
    timeout_seconds: float = Field(default=10.0, description="per request")
    app_key: str = Field(default="", description="app key / appid / client_key")
    app_secret: str = Field(default="", description="app secret (always an EnvVar)")
    auth_base_url: str = Field(
        default="", description="Toutiao: the OAuth host; empty: the same as base_url"
    )
    origin_base_url: str = Field(
        default="", description="WeChat, Baijiahao: root of the per-task origin URL"
    )
    error_kinds: dict[str, str] = Field(
        default_factory=dict,
        description='error code -> "retryable" | "auth" | "rejected" | "quota" overrides',
    )
    default_rip: str = Field(default="", description="Weibo: `rip` for accounts without one")
    refresh_renew_margin_days: float = Field(
        default=5.0, description="Douyin: renew the refresh token this close to its end"
    )
    media_public_base_url: str = Field(
        default="", description="Baijiahao: where the media store is served publicly"
    )

    def client(self, platform: str) -> PlatformClient:
        return make_client(
            platform,
            self.base_url,
            self.timeout_seconds,
            app_key=self.app_key or None,
            app_secret=self.app_secret or None,
            error_kinds=self.error_kinds,
            auth_base_url=self.auth_base_url or None,
            origin_base_url=self.origin_base_url or None,
            **platform_options(
                platform,
                default_rip=self.default_rip,
                refresh_renew_margin_days=self.refresh_renew_margin_days,
                media_public_base_url=self.media_public_base_url,
            ),
        )


class PlatformsResource(ConfigurableResource):
    """The clients of every platform the publisher may need."""

    weibo: PlatformResource
    wechat: PlatformResource
    douyin: PlatformResource
    toutiao: PlatformResource
    baijiahao: PlatformResource

    def client(self, platform: str) -> PlatformClient:
        resource: PlatformResource = getattr(self, platform)
        return resource.client(platform)


def platform_resource(platform: str, settings: Settings) -> PlatformResource:
    """A platform's resource from its settings; the secret through EnvVar, never shown."""
    endpoint = settings.endpoint(platform)
    secret = EnvVar(f"SCHEDULING_{platform.upper()}_APP_SECRET") if endpoint.app_secret else ""
    return PlatformResource(
        base_url=settings.platform_base_url(platform),
        timeout_seconds=endpoint.timeout_seconds,
        app_key=endpoint.app_key or "",
        app_secret=secret,
        auth_base_url=endpoint.auth_base_url or "",
        origin_base_url=endpoint.origin_base_url or "",
        error_kinds=dict(endpoint.error_kinds),
        default_rip=settings.weibo.default_rip or "",
        refresh_renew_margin_days=settings.douyin.refresh_renew_margin_days,
        media_public_base_url=settings.media_public_base_url or "",
    )


def platforms_resource(settings: Settings) -> PlatformsResource:
    return PlatformsResource(
        weibo=platform_resource("weibo", settings),
        wechat=platform_resource("wechat", settings),
        douyin=platform_resource("douyin", settings),
        toutiao=platform_resource("toutiao", settings),
        baijiahao=platform_resource("baijiahao", settings),
    )
