"""A metric means the same in collected and imported rows: what a platform does not report is
0 in both, so the training target adds up the same things whichever way a row came."""

from __future__ import annotations

import json
from pathlib import Path

from scheduling_platform.intelligence.features import engagement_total
from scheduling_platform.intelligence.importer import import_csv
from scheduling_platform.intelligence.metric_meaning import REPORTED, unreported


def test_weibo_reports_no_reads_and_the_others_all_four() -> None:
    assert unreported("weibo") == {"reads"}
    assert all(not unreported(p) for p in REPORTED if p != "weibo")
    assert unreported("other") == frozenset()  # e.g. the UCI Facebook import keeps its reach


def test_an_imported_weibo_history_counts_like_collected_weibo_rows(tmp_path: Path) -> None:
    csv = tmp_path / "weibo.csv"
    csv.write_text(
        "posted,reads,likes,reposts,comments\n2026-11-01T20:00,5000,40,12,9\n", encoding="utf-8"
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "name": "weibo_export",
                "constants": {"platform": "weibo", "timezone": "Asia/Shanghai"},
                "columns": {
                    "reads": "reads",
                    "likes": "likes",
                    "shares": "reposts",
                    "comments": "comments",
                },
                "posted_at": {"column": "posted"},
            }
        )
    )
    imported = import_csv(csv, mapping)
    (row,) = imported.to_dict("records")
    assert (row["reads"], row["likes"], row["shares"], row["comments"]) == (0, 40, 12, 9)
    # The Weibo client's rows have likes, shares and comments only: the same total.
    assert engagement_total(imported).tolist() == [40 + 12 + 9]
