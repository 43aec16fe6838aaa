"""The retrain triggers ticked on a real Dagster instance: the new-engagement sensor against a
real DuckDB warehouse, and the weekly schedule at its cron time in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
)
from dagster._utils.schedules import cron_string_iterator  # what the scheduler daemon iterates

from resources.policies import ModelPolicyResource
from resources.warehouse import WarehouseResource
from scheduling_platform.definitions import defs
from scheduling_platform.intelligence.engagement import load_engagement, store_rows
from scheduling_platform.intelligence.features import ENGAGEMENT_COLUMNS
from scheduling_platform.settings import Settings
from scheduling_platform.store.warehouse import Warehouse
from scheduling_platform.timeutil import utcnow
from sensors.intelligence import retrain_on_new_engagement, weekly_retrain_schedule

if TYPE_CHECKING:
    from dagster._core.definitions.sensor_definition import SensorExecutionData

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN_NEW_ROWS = Settings.model_fields["retrain_min_new_rows"].default


@pytest.fixture
def warehouse_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("SCHEDULING_RETRAIN_MIN_NEW_ROWS", raising=False)
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


def _collect(warehouse: Warehouse, prefix: str, count: int) -> None:
    """`count` engagement rows collected now, written the way ingestion writes them."""
    collected_at = utcnow()
    frame = pd.DataFrame(
        [
            {
                "post_key": f"weibo:{prefix}{n}",
                "source": "platform",
                "platform": "weibo",
                "account_key": "account:1",
                "posted_at": collected_at - timedelta(days=1),
                "timezone": "Asia/Shanghai",
                "content_type": "text",
                "text_length": 20,
                "media_count": 0,
                "hashtag_count": 0,
                "link_count": 0,
                "followers": 10_000.0,
                "paid": 0,
                "category": -1,
                "reads": 100 + n,
                "likes": 5,
                "shares": 1,
                "comments": 2,
                "collected_at": collected_at,
                "partition": (collected_at - timedelta(days=1)).date().isoformat(),
            }
            for n in range(count)
        ],
        columns=list(ENGAGEMENT_COLUMNS),
    )
    assert store_rows(warehouse, frame) == count


def _tick(instance: DagsterInstance, url: str, cursor: str | None) -> SensorExecutionData:
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={
            "warehouse": WarehouseResource(warehouse_url=url),
            # As the Definitions build it: from the setting, read when the code location loads.
            "model_policy": ModelPolicyResource(
                retrain_min_new_rows=Settings().retrain_min_new_rows
            ),
        },
    ) as context:
        return retrain_on_new_engagement.evaluate_tick(context)


def _skipped(result: SensorExecutionData, arrived: int) -> None:
    assert result.run_requests == []
    assert result.skip_message is not None
    assert result.skip_message.startswith(f"{arrived} new engagement rows since ")
    assert result.skip_message.endswith(f"retraining at {MIN_NEW_ROWS}")


def test_sensor_retrains_once_per_threshold_of_new_rows(warehouse_url: str) -> None:
    warehouse = Warehouse(warehouse_url)
    assert retrain_on_new_engagement.job_name == "retrain_job"
    with instance_for_test() as instance:
        # No engagement table yet: nothing to count, and the cursor is not started.
        empty = _tick(instance, warehouse_url, None)
        _skipped(empty, 0)
        assert empty.cursor is None

        # One row short: skipped, and the cursor stays put so these rows keep counting.
        _collect(warehouse, "a", MIN_NEW_ROWS - 1)
        short = _tick(instance, warehouse_url, None)
        _skipped(short, MIN_NEW_ROWS - 1)
        assert short.cursor is None

        # The row that reaches the threshold: exactly one run of retrain_job.
        before = utcnow()
        _collect(warehouse, "b", 1)
        first = _tick(instance, warehouse_url, short.cursor)
        (request,) = first.run_requests
        assert request.job_name in (None, "retrain_job")  # None: the sensor's own job
        assert request.tags["trigger"] == "new_engagement"
        assert request.tags["dagster/sensor_name"] == "retrain_on_new_engagement"
        assert request.run_key and request.run_key.startswith("retrain:")
        assert first.cursor is not None
        assert datetime.fromisoformat(first.cursor) >= before

        # The same rows do not trigger again: the cursor moved past them.
        again = _tick(instance, warehouse_url, first.cursor)
        _skipped(again, 0)
        assert again.cursor == first.cursor  # a skip leaves the cursor where it was

        # Re-collecting some of the same posts counts them as new; still short, no run.
        _collect(warehouse, "b", 1)
        _collect(warehouse, "c", MIN_NEW_ROWS - 2)
        still_short = _tick(instance, warehouse_url, first.cursor)
        _skipped(still_short, MIN_NEW_ROWS - 1)
        assert still_short.cursor == first.cursor
        assert len(load_engagement(warehouse)) == 2 * MIN_NEW_ROWS - 2

        # The next threshold's worth: one new run, under a run key the daemon has not seen.
        _collect(warehouse, "d", 1)
        second = _tick(instance, warehouse_url, first.cursor)
        (request2,) = second.run_requests
        assert request2.run_key != request.run_key
        assert second.cursor is not None
        assert datetime.fromisoformat(second.cursor) > datetime.fromisoformat(first.cursor)
        _skipped(_tick(instance, warehouse_url, second.cursor), 0)


def test_threshold_is_the_setting(warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _collect(Warehouse(warehouse_url), "a", 3)
    with instance_for_test() as instance:
        monkeypatch.setenv("SCHEDULING_RETRAIN_MIN_NEW_ROWS", "4")
        skipped = _tick(instance, warehouse_url, None)
        assert skipped.run_requests == []
        assert skipped.skip_message is not None
        assert skipped.skip_message.endswith("3 new engagement rows since None; retraining at 4")
        monkeypatch.setenv("SCHEDULING_RETRAIN_MIN_NEW_ROWS", "3")
        assert len(_tick(instance, warehouse_url, None).run_requests) == 1


def test_weekly_schedule_requests_retrain_job_monday_4am_shanghai() -> None:
    schedule = defs.resolve_schedule_def("weekly_retrain_schedule")
    assert schedule is weekly_retrain_schedule
    assert schedule.job_name == "retrain_job"
    retrain_job = defs.resolve_job_def("retrain_job")
    assert retrain_job.asset_layer.executable_asset_keys == {
        AssetKey("training_features"),
        AssetKey("engagement_model"),
        AssetKey("promoted_engagement_model"),
    }

    # From a Sunday evening in Shanghai, the next ticks are Mondays 04:00 Shanghai time,
    # which is Sunday 20:00 UTC (Shanghai is UTC+8 all year).
    start = datetime(2026, 3, 1, 21, 0, tzinfo=SHANGHAI)  # Sunday
    ticks = cron_string_iterator(
        start.timestamp(), schedule.cron_schedule, schedule.execution_timezone
    )
    upcoming = [next(ticks) for _ in range(3)]
    assert [t.astimezone(SHANGHAI).replace(tzinfo=None) for t in upcoming] == [
        datetime(2026, 3, 2, 4, 0),
        datetime(2026, 3, 9, 4, 0),
        datetime(2026, 3, 16, 4, 0),
    ]
    assert upcoming[0].astimezone(UTC) == datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    assert all(t.astimezone(SHANGHAI).weekday() == 0 for t in upcoming)

    with instance_for_test() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=upcoming[0])
        result = schedule.evaluate_tick(context)
    (request,) = result.run_requests
    assert request.job_name in (None, "retrain_job")  # None: the schedule's own job
    assert request.tags["dagster/schedule_name"] == "weekly_retrain_schedule"
    assert request.run_config == {}
