"""The model's CLI: retrain with checks, list/promote/rollback, optimal_time creates, explain."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result

from scheduling_platform.cli.main import main
from scheduling_platform.intelligence.engagement import load_engagement, store_rows
from scheduling_platform.sandbox.engagement_profile import load_profile
from scheduling_platform.sandbox.history import simulate_history
from scheduling_platform.settings import Settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.store.warehouse import Warehouse
from scheduling_platform.timeutil import in_zone, utcnow


def _invoke(*args: str, ok: bool = True) -> Result:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result


def _json(result: Result) -> dict:
    return json.loads(result.stdout)


@pytest.fixture
def seeded(platform_env: Settings) -> Settings:
    """A weibo account and eight weeks of simulated weibo history, one account being it."""
    _invoke("accounts", "add", "--platform", "weibo", "--name", "brand")
    history = simulate_history(
        load_profile(), end=utcnow(), platforms=("weibo",), accounts_per_platform=3, seed=5
    )
    history["account_key"] = history["account_key"].replace("sim:weibo:0", "account:1")
    assert store_rows(Warehouse(platform_env.resolved_warehouse_url), history) == len(history)
    return platform_env


def test_retrain_promotes_only_models_that_pass_and_rollback_restores(seeded: Settings) -> None:
    first = _json(_invoke("model", "retrain", "--json"))
    assert first["promoted"] and first["in_use"] == first["model"]["version"]
    assert all(c["passed"] for c in first["checks"])

    strict = _json(_invoke("model", "retrain", "--min-r2", "0.9999", "--json"))
    assert not strict["promoted"] and strict["in_use"] == first["model"]["version"]
    assert [c["passed"] for c in strict["checks"]] == [False, True, True, True]
    assert [c["name"] for c in strict["checks"]][2:] == ["beats_baseline", "beats_in_use"]
    listed = {m["version"]: m["status"] for m in _json(_invoke("model", "list", "--json"))}
    assert listed[first["in_use"]] == "promoted"
    assert "rejected" in listed.values()

    rejected = next(v for v, s in listed.items() if s == "rejected")
    refused = _invoke("model", "promote", rejected, ok=False).output
    assert "was rejected (holdout R²" in refused and "must be > 0.9999" in refused
    assert "--force" in refused
    _invoke("model", "promote", rejected, "--force")
    back = _json(_invoke("model", "rollback", "--json"))
    assert back["version"] == first["in_use"] and back["status"] == "promoted"
    again = _invoke("model", "rollback", ok=False)
    assert "nothing to go back to" in again.output
    assert "no model version" in _invoke("model", "promote", "nope", ok=False).output


def test_create_best_stores_the_choice_and_explain_says_why(seeded: Settings) -> None:
    store = TaskStore.from_settings(seeded)
    # Day one: no model trained yet, the shipped prior curves choose, and say so.
    day_one = _json(_invoke("tasks", "create", "--account", "1", "--content", "hi", "--json"))
    first_task = store.get_task(day_one["id"])
    assert first_task.model_version.startswith("prior-") and first_task.predicted_engagement > 0
    # The prior puts Weibo's working-day peak at 21:30 and its day-off peak there too.
    assert in_zone(first_task.scheduled_at, "Asia/Shanghai").hour in (
        21,
        22,
    )
    said = _invoke("model", "explain", str(first_task.id)).output
    assert "no trained model yet" in said and "prior curve shipped with the product" in said
    version = _json(_invoke("model", "retrain", "--json"))["in_use"]

    created = _json(
        _invoke(
            "tasks",
            "create",
            "--strategy",
            "optimal_time",
            "--account",
            "1",
            "--content",
            "新品发布 #新品#",
            "--window",
            "2d",
            "--json",
        )
    )
    task = store.get_task(created["id"])
    assert task.model_version == version and task.strategy == "optimal_time"
    assert task.predicted_engagement > 0 and task.prediction_uncertainty > 0
    assert utcnow() < task.scheduled_at <= utcnow() + timedelta(days=2)
    # Weibo's true peak is 22:00 in Shanghai; the model should land in the evening.
    assert in_zone(task.scheduled_at, "Asia/Shanghai").hour in (20, 21, 22, 23)

    explained = _invoke("model", "explain", str(task.id))
    assert version in explained.output and "trained on" in explained.output
    assert "platform-wide curve" in explained.output
    detail = _json(_invoke("model", "explain", str(task.id), "--json"))
    why = detail["why"]
    assert why["slots_scored"] == 2016 and 1 <= why["rank_among_slots"] <= 2016
    # The same model on the same inputs gives the same prediction as when it chose.
    assert why["rescored"] == pytest.approx(task.predicted_engagement, rel=1e-6)

    bad = _invoke("tasks", "create", "--account", "1", "--content", "x", "--window", "9y", ok=False)
    assert "is not like 7d" in bad.output
    assert len(store.list_tasks()) == 2
    assert len(load_engagement(Warehouse(seeded.resolved_warehouse_url))) > 500
