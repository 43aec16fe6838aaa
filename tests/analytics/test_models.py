"""The SQL models over a small history: what each holds, its checks passing, its pictures, code
version and lineage as the SQL says; on Postgres the same tables as on DuckDB."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest
from dagster import AssetKey

from assets.analytics import sql_model_assets
from scheduling_platform.analytics.sql_models import load_models, referenced_tables
from scheduling_platform.definitions import defs
from tests.analytics.conftest import MODELS, Materialised


def _metadata(setup_result, name: str) -> dict:
    (event,) = setup_result.asset_materializations_for_node(name)
    return {k: v.value for k, v in event.metadata.items()}


def test_models_hold_what_happened_and_their_checks_pass(on_duckdb: Materialised) -> None:
    result, setup = on_duckdb.result, on_duckdb.setup
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 15 and all(e.passed for e in evaluations), [
        (e.asset_key.path, e.check_name, e.description) for e in evaluations if not e.passed
    ]
    history, warehouse = setup.history, setup.warehouse

    performance = warehouse.query("SELECT * FROM performance ORDER BY task_id")
    assert set(performance["task_id"]) == set(history.published)
    measured = performance.dropna(subset=["engagement"])
    for row in measured.itertuples():
        metrics = history.published[row.task_id]
        assert row.engagement == sum(metrics.values())
        assert row.reach == metrics["reads"]
        rate = (metrics["likes"] + metrics["shares"] + metrics["comments"]) / metrics["reads"]
        assert row.engagement_rate == pytest.approx(rate)
    assert len(measured) == 3 * 5  # the last published post of each account is not measured
    assert set(performance[performance["choice"] == "model"]["task_id"]) == history.model_chosen
    assert set(performance[performance["choice"] == "explored"]["task_id"]) == history.explored
    assert sorted(performance["lateness_seconds"].unique()) == [3, 4, 5, 6, 7, 8]
    # New York's account posted at 21:00 on Sunday local time, Shanghai's at 10:00 Monday.
    first = performance.groupby("platform").first()
    assert (first.loc["wechat", "local_weekday"], first.loc["wechat", "local_hour"]) == (6, 21)
    assert (first.loc["weibo", "local_weekday"], first.loc["weibo", "local_hour"]) == (0, 10)

    dashboard = warehouse.query("SELECT * FROM dashboard ORDER BY workspace_id")
    assert dashboard["tasks"].tolist() == [16, 8]
    assert dashboard["published"].tolist() == [12, 6]
    assert dashboard["upcoming"].tolist() == [2, 1]
    assert dashboard["success_rate"].tolist() == pytest.approx([12 / 14, 6 / 7])
    assert dashboard["unplaced_occurrences"].tolist() == [1, 0]

    stats = warehouse.query("SELECT * FROM optimization_stats")
    weibo = stats[stats["platform"] == "weibo"].set_index("choice")
    model = measured[(measured["platform"] == "weibo") & (measured["choice"] == "model")]
    fixed = measured[(measured["platform"] == "weibo") & (measured["choice"] == "fixed")]
    uplift = model["engagement"].mean() - fixed["engagement"].mean()
    assert weibo.loc["model", "uplift"] == pytest.approx(uplift)
    assert weibo.loc["model", "uplift_low"] < uplift < weibo.loc["model", "uplift_high"]
    assert weibo.loc["explored", "posts"] == 1  # its own row, apart from the model's best

    patterns = warehouse.query("SELECT * FROM time_patterns")
    assert int(patterns["posts"].sum()) == len(performance)
    comparison = warehouse.query("SELECT * FROM platform_comparison ORDER BY platform")
    assert comparison["tasks"].tolist() == [8, 8, 8]


def test_each_model_shows_rows_a_preview_and_its_pictures(on_duckdb: Materialised) -> None:
    result, setup = on_duckdb.result, on_duckdb.setup
    assert result.success
    pictures = {
        "time_patterns": "weekday_hour_heatmap",
        "performance": "lateness_histogram",
        "optimization_stats": "optimisation_uplift",
    }
    for name in MODELS:
        metadata = _metadata(result, name)
        rows = int(setup.warehouse.query(f"SELECT COUNT(*) AS n FROM {name}").iloc[0, 0])
        assert metadata["dagster/row_count"] == rows > 0
        assert metadata["preview"].count("\n") == min(rows, 10) + 1
        if name in pictures:
            encoded = re.fullmatch(
                r"!\[\w+\]\(data:image/png;base64,(.+)\)", metadata[pictures[name]]
            )
            assert encoded and base64.b64decode(encoded.group(1)).startswith(b"\x89PNG\r\n")


def test_lineage_and_code_versions_follow_the_sql() -> None:
    graph = defs.resolve_asset_graph()
    for model in load_models():
        node = graph.get(AssetKey(model.name))
        assert {k.path[-1] for k in node.parent_keys} == set(referenced_tables(model.sql))
        assert node.code_version == model.code_version
    performance = graph.get(AssetKey("performance"))
    assert {k.path[-1] for k in performance.parent_keys} == {
        "raw_tasks",
        "raw_accounts",
        "raw_engagement",
    }
    assert {k.path[-1] for k in graph.get(AssetKey("raw_engagement")).parent_keys} == {
        "engagement_metrics"
    }
    # A changed SQL is a new code version: what the UI marks stale.
    (changed,) = [m for m in load_models() if m.name == "dashboard"]
    assert (
        changed.code_version
        != type(changed)(**{**changed.__dict__, "sql": changed.sql + " "}).code_version
    )
    assert {a.key.path[-1] for a in sql_model_assets()} >= set(MODELS)


def test_pictures_render_even_without_measured_posts() -> None:
    from scheduling_platform.analytics.pictures import weekday_hour_heatmap

    empty = pd.DataFrame(
        columns=["platform", "weekday", "hour", "measured_posts", "mean_engagement"]
    )
    assert weekday_hour_heatmap(empty).startswith(b"\x89PNG")


def _sorted(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    frame = frame.sort_values(list(keys)).reset_index(drop=True)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC").astype("datetime64[us, UTC]")
        elif pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
            frame[column]
        ):
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype(object)
    return frame


@pytest.mark.postgres
def test_duckdb_and_postgres_give_the_same_tables(
    on_duckdb: Materialised, on_postgres: Materialised
) -> None:
    assert on_postgres.result.success
    failed = [
        e.check_name for e in on_postgres.result.get_asset_check_evaluations() if not e.passed
    ]
    assert failed == []
    for model in (m for m in load_models() if m.name in MODELS):
        duck = _sorted(on_duckdb.setup.warehouse.query(f"SELECT * FROM {model.name}"), model.keys)
        pg = _sorted(on_postgres.setup.warehouse.query(f"SELECT * FROM {model.name}"), model.keys)
        assert list(duck.columns) == list(pg.columns), model.name
        assert len(duck) > 0, model.name
        # Task ids differ by nothing (both stores are filled the same way, from 1).
        pd.testing.assert_frame_equal(duck, pg, check_exact=False, rtol=1e-9, obj=model.name)


def test_a_schedule_rebuilds_the_models_hourly_and_another_removes_old_data() -> None:
    schedule = defs.get_schedule_def("analytics_schedule")
    assert schedule.cron_schedule == "15 * * * *"
    job = defs.resolve_job_def("analytics_job")
    selected = {k.path[-1] for k in job.asset_layer.selected_asset_keys}
    assert selected >= {*MODELS, "raw_tasks", "raw_attempts", "raw_engagement", "conflicts"}
    checked = {k.asset_key.path[-1] for k in job.asset_layer.asset_graph.asset_check_keys}
    assert checked >= set(MODELS)
    assert defs.get_schedule_def("retention_schedule").job_name == "retention_job"
