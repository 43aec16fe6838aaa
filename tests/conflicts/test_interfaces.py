"""The conflict refusal as interfaces show it: structured conflicts for machines (what the API
answers 409 with), a readable list for people; and the demo seeds posts that do not conflict."""

from __future__ import annotations

import json

from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.runtime.demo import seed_demo
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.settings import Settings
from tests.samples import D1


def test_a_refused_create_answers_with_its_conflicts(platform_env: Settings) -> None:
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    run("accounts", "add", "--platform", "weibo", "--name", "brand")
    create = ["tasks", "create", "--account", "1", "--content", "你好", "--at"]
    run(*create, f"{D1}T08:00")
    refused = run(*create, f"{D1}T08:02", "--json", ok=False)
    body = json.loads(refused.stdout)
    assert "time_overlap" in body["error"]
    rules = {c["rule"]: c for c in body["conflicts"]}
    assert set(rules) == {"min_gap", "identical_consecutive"}
    assert rules["min_gap"]["other_task_ids"] == [1]
    assert rules["min_gap"]["fix"] == {
        "action": "move",
        "text": f"move to {D1}T00:05:00+00:00, the nearest free slot",
        "at": f"{D1}T00:05:00+00:00",
        "local_at": f"{D1}T08:05:00+08:00",
    }
    human = run(*create, f"{D1}T08:02", ok=False).output
    assert "error: time_overlap/min_gap" in human and "fix: edit the text" in human
    moved = json.loads(
        run(
            *create[:5],
            "再见",
            "--at",
            f"{D1}T08:02",
            "--strategy",
            "conflict_avoidance",
            "--json",
        ).stdout
    )
    assert moved["scheduled_at"] == f"{D1}T00:05:00+00:00"
    assert moved["moved_from"] == f"{D1}T00:02:00+00:00"


def test_the_demo_seeds_without_conflicts(platform_env: Settings) -> None:
    seeded = seed_demo(ServiceContext(platform_env, actor="demo"))
    assert seeded is not None
    assert len(seeded.tasks) == 5 and all(t.warnings == [] for t in seeded.tasks)
