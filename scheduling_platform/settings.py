"""Settings from `SCHEDULING_*` environment variables and an optional `.env` file."""

from __future__ import annotations

import ipaddress
import os
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TIMEZONE = "Asia/Shanghai"
PLATFORM_NAMES = ("weibo", "wechat", "douyin", "toutiao", "baijiahao")
# One slot of the engagement model (scoring.SLOT_MINUTES): why, see docs/scheduling.md.
DEFAULT_MIN_GAP_MINUTES = 5


class PlatformEndpoint(BaseModel):
    """One platform's API and app, from `SCHEDULING_<PLATFORM>_<FIELD>`; empty: the sandbox."""

    base_url: str | None = Field(default=None, description="the platform's API root")
    timeout_seconds: float = Field(default=10.0, gt=0, description="per request")
    app_key: str | None = Field(default=None, description="app key / appid / client_key")
    app_secret: SecretStr | None = Field(default=None, description="the app's secret")
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


class WeiboEndpoint(PlatformEndpoint):
    """Weibo's endpoint and what `statuses/share.json` needs of this deployment."""

    default_rip: str | None = Field(
        default=None,
        description="the posting user's IP sent as Weibo's `rip` when an account's credentials "
        "carry none (without either, the Weibo client refuses to send)",
    )
    safe_domain: str | None = Field(
        default=None,
        description="the app's registered safe domain: Weibo texts must contain a URL of it; "
        "when set, a text without one is refused at creation",
    )

    @field_validator("default_rip")
    @classmethod
    def _an_ip(cls, value: str | None) -> str | None:
        if value:
            ipaddress.ip_address(value)  # ValueError: not an IP address
        return value or None


class DouyinEndpoint(PlatformEndpoint):
    """Douyin's endpoint and when its refresh token is renewed."""

    refresh_renew_margin_days: float = Field(
        default=5.0,
        ge=0,
        le=29,
        description="renew a Douyin refresh token (renew_refresh_token) when a token refresh "
        "happens this close to the refresh token's 30-day end",
    )


class Settings(BaseSettings):
    """Everything the platform reads from its environment; embedded defaults live under `home`."""

    # `SCHEDULING_WEIBO_BASE_URL` fills `weibo.base_url`: one split after the prefix.
    model_config = SettingsConfigDict(
        env_prefix="SCHEDULING_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        env_nested_delimiter="_",
        env_nested_max_split=1,
    )

    home: Path = Field(default=Path(".scheduling"), description="all embedded state lives here")
    database_url: str | None = Field(default=None, description="task store; SQLite by default")
    warehouse_url: str | None = Field(default=None, description="analytics; DuckDB by default")
    sandbox_url: str = "http://127.0.0.1:8094"
    # Crash budget (docs/exactly-once.md): a dead publisher's claim returns at most lookahead +
    # lease after it was made, and is claimed again at the next evaluation: 15 + 15 + 5 s.
    sensor_interval_seconds: int = Field(
        default=5, ge=1, description="how often the due-task and alert sensors evaluate"
    )
    review_interval_seconds: int = Field(
        default=60, ge=1, description="how often posts in a platform's review are asked about"
    )
    claim_lookahead_seconds: int = Field(
        default=15, ge=1, description="claim tasks due this far ahead: interval plus launch time"
    )
    lease_seconds: int = Field(
        default=15,
        ge=5,
        description="a claim whose run has not started this long after its window is given "
        "back; a live run renews its claims every third of it (an attempt's lease is at least "
        "three request timeouts plus 5 s)",
    )
    retry_base_seconds: float = Field(
        default=30.0, gt=0, description="first retry delay; doubles each attempt, with jitter"
    )
    verify_clock_skew_seconds: float = Field(
        default=120.0,
        ge=0,
        le=3600,
        description="after an unknown outcome, a post the platform dates up to this long "
        "before the attempt began may still be the attempt's (the platform's clock behind ours)",
    )
    retrain_min_new_rows: int = Field(
        default=500, ge=1, description="engagement rows since the last retrain that start another"
    )
    exploration_share: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="share of optimal_time decisions that explore by Thompson sampling",
    )
    exploration_width: float = Field(
        default=0.7,
        gt=0,
        le=2,
        description="width of an exploring draw, in standard deviations of the model's "
        "posterior (below 1, draws stay nearer the model's best slots)",
    )
    max_lateness_seconds: int = Field(
        default=3 * 3600,
        ge=60,
        description="a post not sent this long after its time is held for a person, not sent",
    )
    platform_rate_per_second: dict[str, float] = Field(
        default_factory=dict,
        description="requests per second a publish run sends to a platform (default 50)",
    )
    alert_webhook_url: str | None = Field(
        default=None,
        description="POSTed a JSON summary when a publish run fails, and one a tick for the "
        "tasks that ended failed or needs_attention and the accounts that need re-authorisation",
    )
    publish_concurrency: int = Field(default=16, ge=1, le=256)
    demo: bool = True
    webserver_port: int = 3000
    dagster_graphql_url: str | None = Field(
        default=None,
        description="the Dagster webserver the API launches runs through (its GraphQL "
        "endpoint); default http://127.0.0.1:<webserver_port>",
    )
    api_host: str = Field(default="127.0.0.1", description="the REST API binds this address")
    api_port: int = Field(default=8095, ge=1, le=65535, description="the REST API's port")
    api_cors_origins: list[str] = Field(
        default_factory=list,
        description='browser origins allowed to call the API, JSON list, e.g. ["https://a.cn"]',
    )
    api_max_request_bytes: int = Field(
        default=1_048_576, ge=1024, description="larger request bodies are refused with 413"
    )
    rate_limit_default: str = Field(
        default="1000/hour",
        description="requests a new API key may make (limits notation: N/second|minute|hour|day)",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for state shared by API workers (rate limits); in-process without",
    )
    api_key_secret: SecretStr | None = Field(
        default=None,
        description="HMAC-SHA256 key API keys are hashed with, base64 of 32 bytes; without "
        "it, generated into the home (see docs/security.md)",
    )
    api_key_secrets: SecretStr | None = Field(
        default=None,
        description="older API key secrets, comma separated, still accepted (rotation)",
    )
    default_timezone: str = DEFAULT_TIMEZONE
    encryption_key: SecretStr | None = Field(
        default=None, description="token vault primary key, base64 of 32 bytes (see vault.py)"
    )
    encryption_keys: SecretStr | None = Field(
        default=None, description="older vault keys, comma separated, still accepted for reading"
    )
    quota_windows: dict[str, str] = Field(
        default_factory=lambda: {"weibo": "hour"},
        description="per platform, when a spent quota renews: 'hour', or 'day' (00:00 "
        "Asia/Shanghai, the default for platforms not named)",
    )
    min_gap_minutes: dict[str, int] = Field(
        default_factory=lambda: dict.fromkeys(PLATFORM_NAMES, DEFAULT_MIN_GAP_MINUTES),
        description="per platform, the least time between two posts of one account; closer "
        f"is a time-overlap conflict (a platform not named: {DEFAULT_MIN_GAP_MINUTES})",
    )
    media_gap_minutes: int = Field(
        default=24 * 60,
        ge=0,
        description="the same media on two posts of one account this close is a resource conflict",
    )
    hourly_quotas: dict[str, int] = Field(
        default_factory=lambda: {"weibo": 30},
        description="per platform, posts one account may publish in a clock hour (Weibo: 30 "
        "per user); a platform not named has no hourly limit",
    )
    daily_quotas: dict[str, int] = Field(
        default_factory=lambda: {"weibo": 90},
        description="per platform, posts one account may publish in a day (00:00 "
        "Asia/Shanghai); Weibo allows 100 calls a user a day, 10 are left for other calls",
    )
    near_duplicate_threshold: float = Field(
        default=0.5,
        ge=0.4,
        le=1.0,
        description="Jaccard similarity of character bigrams from which two texts of one "
        "account are near-duplicates (below 0.4 the LSH bands miss too many)",
    )
    duplicate_window_days: int = Field(
        default=90,
        ge=1,
        description="posts of one account this many days apart or closer are compared for "
        "duplicate text",
    )
    schedule_horizon_days: int = Field(
        default=365,
        ge=1,
        le=36500,
        description="no post may be scheduled further ahead than this many days",
    )
    series_horizon_days: int = Field(
        default=7, ge=1, description="occurrences of a series are created this far ahead"
    )
    series_max_ahead: int = Field(
        default=50, ge=1, description="at most this many future occurrences a series at once"
    )
    series_expansion_cron: str = Field(
        default="7 * * * *", description="when the series expansion runs (Asia/Shanghai)"
    )
    analytics_cron: str = Field(
        default="15 * * * *", description="when the analytics models are rebuilt (Asia/Shanghai)"
    )
    retention_cron: str = Field(
        default="30 3 * * *", description="when old logs and performance data are removed"
    )
    retention_log_days: int = Field(
        default=90, ge=1, description="publish attempts and audit rows are kept this long"
    )
    retention_performance_days: int = Field(
        default=365, ge=1, description="engagement (performance) data is kept this long"
    )
    retention_batch_rows: int = Field(
        default=1000, ge=1, description="rows one retention delete removes (one transaction)"
    )
    batch_limit: int = Field(default=50, ge=1, description="tasks one batch may create")
    import_chunk_rows: int = Field(
        default=500, ge=1, description="CSV rows imported in one transaction"
    )

    media_public_base_url: str | None = Field(
        default=None,
        description="where the media store's files are served publicly (the store's sha256/ "
        "folder below this URL); Baijiahao fetches cover images from there, so without it a "
        "Baijiahao task with media is refused at creation",
    )
    media_fetch_timeout_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="longest a media URL may take to download"
    )
    media_fetch_max_bytes: int = Field(
        default=4 * 1024**3,
        ge=1,
        description="largest media URL download; each platform's own limit applies as well",
    )
    weibo: WeiboEndpoint = WeiboEndpoint()
    wechat: PlatformEndpoint = PlatformEndpoint()
    douyin: DouyinEndpoint = DouyinEndpoint()
    toutiao: PlatformEndpoint = PlatformEndpoint()
    baijiahao: PlatformEndpoint = PlatformEndpoint()

    def endpoint(self, platform: str) -> PlatformEndpoint:
        if platform not in PLATFORM_NAMES:
            raise ValueError(f"unknown platform {platform!r}")
        endpoint: PlatformEndpoint = getattr(self, platform)
        return endpoint

    def platform_base_url(self, platform: str) -> str:
        """The platform's API root: its own setting, else its mount in the sandbox."""
        return self.endpoint(platform).base_url or f"{self.sandbox_url.rstrip('/')}/{platform}"

    @field_validator("rate_limit_default")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        import limits  # the limiter's own notation, checked at start rather than at first use

        limits.parse(value)
        return value

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        # Runs started by the daemon use another working directory: pin the path now.
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _series_within_horizon(self) -> Settings:
        # A series makes its tasks this far ahead, and no task may lie beyond the horizon.
        if self.series_horizon_days > self.schedule_horizon_days:
            raise ValueError(
                f"series_horizon_days ({self.series_horizon_days}) exceeds "
                f"schedule_horizon_days ({self.schedule_horizon_days})"
            )
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'tasks.sqlite'}"

    @cached_property
    def resolved_warehouse_url(self) -> str:
        return self.warehouse_url or f"duckdb:///{self.home / 'warehouse.duckdb'}"

    @property
    def resolved_dagster_graphql_url(self) -> str:
        return self.dagster_graphql_url or f"http://127.0.0.1:{self.webserver_port}"

    @property
    def dagster_home(self) -> Path:
        explicit = os.environ.get("DAGSTER_HOME")
        return Path(explicit).resolve() if explicit else self.home / "dagster"


_built: tuple[object, Settings] | None = None


def _environment_now() -> object:
    """What Settings() reads: the SCHEDULING_* variables, the .env file of the working
    directory, and HOME (for `~` in paths)."""
    env_file = Path(".env")
    try:
        stat = env_file.stat()
        stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None
    variables = sorted((k, v) for k, v in os.environ.items() if k.startswith("SCHEDULING_"))
    return (os.getcwd(), stamp, os.environ.get("HOME"), tuple(variables))


def get_settings() -> Settings:
    """Settings as the environment says now. Tests and runs change the environment, so they
    are built again whenever it has changed; building them costs milliseconds (a create
    checks its horizon with them), so an unchanged environment reuses the last ones."""
    global _built
    now = _environment_now()
    if _built is None or _built[0] != now:
        _built = (now, Settings())
    return _built[1]
