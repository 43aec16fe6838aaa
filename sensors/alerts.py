"""attention_alerts_sensor: one alert a tick for the tasks and accounts that need a person."""

from dagster import (
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from resources.policies import AlertsResource
from resources.store import TaskStoreResource
from scheduling_platform.publishing.alerts import alert_attention


def build_attention_alerts_sensor(interval_seconds: int) -> SensorDefinition:
    """Reads the audit log from its cursor every `interval_seconds`; posts one message a tick."""

    @sensor(
        name="attention_alerts_sensor",
        minimum_interval_seconds=interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Alerts once a tick for tasks that ended failed or needs_attention and "
        "accounts that need re-authorisation.",
    )
    def attention_alerts_sensor(
        context: SensorEvaluationContext, task_store: TaskStoreResource, alerts: AlertsResource
    ) -> SensorResult:
        cursor = int(context.cursor) if context.cursor else None
        after = alert_attention(task_store.get_store(), cursor, alerts.webhook_url or None)
        return SensorResult(cursor=str(after))

    return attention_alerts_sensor
