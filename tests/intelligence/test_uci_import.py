"""The real UCI Facebook data set: imported with the shipped mapping, evaluated by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduling_platform.cli import main
from scheduling_platform.cli_intelligence import UCI_MAPPING
from scheduling_platform.intelligence.engagement import load_engagement
from scheduling_platform.settings import Settings
from scheduling_platform.warehouse import Warehouse

UCI_CSV = (
    Path(__file__).parents[2] / ".." / "shared" / "data" / "uci-facebook-metrics"
).resolve() / "dataset_Facebook.csv"

pytestmark = pytest.mark.skipif(not UCI_CSV.exists(), reason="shared/ data set not beside repo")


def test_import_reads_the_real_csv_into_the_warehouse(
    platform_env: Settings, tmp_path: Path
) -> None:
    runner = CliRunner()
    args = ["engagement", "import", "--csv", str(UCI_CSV), "--mapping", str(UCI_MAPPING)]
    result = runner.invoke(main, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 500
    rows = load_engagement(Warehouse(platform_env.resolved_warehouse_url))
    assert len(rows) == 500 and set(rows["content_type"]) == {"image", "text", "article", "video"}
    assert rows["posted_at"].dt.year.eq(2014).all() and rows["likes"].ge(0).all()
    # Importing again replaces the same posts instead of doubling them.
    assert runner.invoke(main, args).exit_code == 0
    assert len(load_engagement(Warehouse(platform_env.resolved_warehouse_url))) == 500

    bad_mapping = tmp_path / "bad.json"
    bad_mapping.write_text(json.dumps({"name": "x", "posted_at": {"column": "When"}}))
    refused = runner.invoke(
        main, ["engagement", "import", "--csv", str(UCI_CSV), "--mapping", str(bad_mapping)]
    )
    assert refused.exit_code == 1 and "lacks columns ['When']" in refused.output


def test_evaluate_prints_repeated_cv_beside_a_mean_baseline(platform_env: Settings) -> None:
    args = ["model", "evaluate", "--csv", str(UCI_CSV), "--target", "Lifetime Engaged Users"]
    printed = [*args, "--repeats", "1", "--folds", "3"]  # the table's shape; scores below
    result = CliRunner().invoke(main, printed, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1x repeated 3-fold CV" in result.output and "mean_baseline" in result.output
    scores = json.loads(CliRunner().invoke(main, [*args, "--repeats", "2", "--json"]).stdout)[
        "scores"
    ]
    best = max(s["r2_log1p_mean"] for n, s in scores.items() if n != "mean_baseline")
    assert best > 0.2 > scores["mean_baseline"]["r2_log1p_mean"]
    assert scores["random_forest"]["mae_mean"] < scores["mean_baseline"]["mae_mean"]
    missing = CliRunner().invoke(
        main, ["model", "evaluate", "--csv", str(UCI_CSV), "--target", "Nope"]
    )
    assert missing.exit_code == 1 and "no column 'Nope'" in missing.output
