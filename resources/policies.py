"""Publishing, scheduling, model and alert policies: values from the settings, shown in the UI."""

from dagster import ConfigurableResource
from pydantic import Field

from scheduling_platform.analytics.retention import RetentionPolicy
from scheduling_platform.intelligence.training import DEFAULT_MIN_GAIN, Thresholds
from scheduling_platform.publishing.error_policy import ErrorPolicy
from scheduling_platform.publishing.publisher import DEFAULT_RATE_PER_SECOND
from scheduling_platform.scheduling.conflicts.rules import ConflictRules


class PublishPolicyResource(ConfigurableResource):
    """Claim window, leases, lateness, concurrency, send rates and retries of publish runs."""

    claim_lookahead_seconds: int = Field(
        default=15, description="claim tasks due this far ahead: sensor interval plus launch"
    )
    lease_seconds: int = Field(
        default=15, description="a claim or attempt whose holder is gone returns after this"
    )
    max_lateness_seconds: int = Field(
        default=3 * 3600, description="a post this late is held for a person, not sent"
    )
    publish_concurrency: int = Field(default=16, description="parallel sends in one run")
    default_rate_per_second: float = Field(
        default=DEFAULT_RATE_PER_SECOND, description="requests a second to a platform"
    )
    platform_rate_per_second: dict[str, float] = Field(
        default_factory=dict, description="per platform, overrides the default rate"
    )
    retry_base_seconds: float = Field(
        default=30.0, description="first retry delay; doubles each attempt, with jitter"
    )
    verify_clock_skew_seconds: float = Field(
        default=120.0, description="a platform's clock may be this far behind ours (verifying)"
    )
    quota_windows: dict[str, str] = Field(
        default_factory=lambda: {"weibo": "hour"},
        description="when a spent quota renews per platform: 'hour' or 'day' (the default)",
    )

    def rates(self) -> dict[str, float]:
        return dict(self.platform_rate_per_second)

    def error_policy(self) -> ErrorPolicy:
        return ErrorPolicy(
            base_delay_seconds=self.retry_base_seconds, quota_windows=dict(self.quota_windows)
        )


class ModelPolicyResource(ConfigurableResource):
    """The model checks' thresholds and when new engagement starts a retrain."""

    min_gain: float = Field(
        default=DEFAULT_MIN_GAIN,
        description="holdout R² a new model must gain over the mean baseline and the model in use",
    )
    min_holdout_r2: float | None = Field(
        default=None, description="optional: holdout R² must be above this"
    )
    max_cv_spread: float | None = Field(
        default=None, description="optional: std of CV fold R² must be below this"
    )
    retrain_min_new_rows: int = Field(
        default=500, description="engagement rows since the last retrain that start another"
    )

    def thresholds(self) -> Thresholds:
        return Thresholds(self.min_holdout_r2, self.max_cv_spread, self.min_gain)


class AlertsResource(ConfigurableResource):
    """Where alerts go; empty: the run log only. A webhook URL is a secret (EnvVar)."""

    webhook_url: str = Field(default="", description="receives a JSON alert")


class SchedulingPolicyResource(ConfigurableResource):
    """The conflict checks' limits and how far ahead series are expanded (from the settings)."""

    min_gap_minutes: dict[str, int] = Field(
        default_factory=dict, description="per platform, least minutes between posts"
    )
    media_gap_minutes: int = Field(default=24 * 60, description="same media on one account")
    hourly_quotas: dict[str, int] = Field(
        default_factory=lambda: {"weibo": 30}, description="posts an hour per account"
    )
    daily_quotas: dict[str, int] = Field(
        default_factory=lambda: {"weibo": 90}, description="posts a China day per account"
    )
    near_duplicate_threshold: float = Field(default=0.5, description="Jaccard of bigrams")
    duplicate_window_days: int = Field(default=90, description="texts compared this close")
    series_horizon_days: int = Field(default=7, description="occurrences made this far ahead")
    series_max_ahead: int = Field(default=50, description="future occurrences a series, at most")

    def rules(self) -> ConflictRules:
        return ConflictRules(
            min_gap_minutes=dict(self.min_gap_minutes),
            media_gap_minutes=self.media_gap_minutes,
            hourly_quotas=dict(self.hourly_quotas),
            daily_quotas=dict(self.daily_quotas),
            near_duplicate_threshold=self.near_duplicate_threshold,
            duplicate_window_days=self.duplicate_window_days,
        )


class RetentionPolicyResource(ConfigurableResource):
    """How long scheduling logs and performance data are kept, and the delete batch size."""

    log_days: int = Field(default=90, description="publish attempts and audit rows kept this long")
    performance_days: int = Field(default=365, description="engagement data kept this long")
    batch_rows: int = Field(default=1000, description="rows one delete transaction removes")

    def policy(self) -> RetentionPolicy:
        return RetentionPolicy(self.log_days, self.performance_days, self.batch_rows)
