"""`tasks create --rrule` and `tasks series ...` as a person and a script use them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.timeutil import in_zone, utcnow
from tests.conflicts.conftest import cover


@pytest.fixture
def cli(platform_env):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    invoke("accounts", "add", "--platform", "wechat", "--name", "oa")
    invoke.cover = cover()  # a WeChat article needs a cover; the series keeps this one
    return invoke


def tomorrow() -> str:
    return (in_zone(utcnow(), "Asia/Shanghai") + timedelta(days=1)).strftime("%Y-%m-%d")


def test_create_answers_with_the_series_and_its_next_ten_occurrences(cli) -> None:
    rule = "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0"
    args = ["tasks", "create", "--account", "1", "--content", "周报", "--rrule", rule]
    args += ["--media", cli.cover]
    made = json.loads(cli(*args, "--at", f"{tomorrow()}T09:00", "--json").stdout)
    assert made["id"] == 1 and made["timezone"] == "Asia/Shanghai"
    assert len(made["next"]) == 10
    for o in made["next"]:
        assert o["local"].endswith("T09:00:00+08:00")
        assert o["start"].endswith("T01:00:00+00:00")
    made_now = [o for o in made["next"] if o["task_id"]]
    assert made_now and all(o["status"] == "scheduled" for o in made_now)  # within a week
    shown = json.loads(cli("tasks", "series", "show", "1", "--json").stdout)
    assert shown["next"] == made["next"]
    text = cli("tasks", "series", "show", "1").output
    assert text.count("+08:00  UTC ") == 10 and "T01:00:00+00:00" in text
    human = cli(*args, "--count", "3").output
    assert human.startswith("series 2 created") and human.count("UTC ") == 3


def test_edit_and_cancel_from_the_command_line(cli) -> None:
    day = tomorrow()
    cli(
        "tasks",
        "create",
        "--account",
        "1",
        "--content",
        "日报",
        "--rrule",
        "FREQ=DAILY",
        "--at",
        f"{day}T20:00",
        "--media",
        cli.cover,
    )
    edited = json.loads(
        cli(
            "tasks",
            "series",
            "edit",
            "1",
            "--scope",
            "one",
            "--occurrence",
            f"{day}T20:00",
            "--content",
            "特刊",
            "--json",
        ).stdout
    )
    first = edited["next"][0]
    shown = json.loads(cli("tasks", "show", str(first["task_id"]), "--json").stdout)
    assert shown["content"] == "特刊" and shown["series_id"] == 1
    cancelled = json.loads(
        cli(
            "tasks",
            "series",
            "cancel",
            "1",
            "--scope",
            "one",
            "--occurrence",
            f"{day}T20:00",
            "--json",
        ).stdout
    )
    assert cancelled["next"][0]["start"] != first["start"]
    assert f"{day}T20:00:00" in cancelled["exdates"]
    gone = json.loads(cli("tasks", "series", "cancel", "1", "--json").stdout)
    assert gone["status"] == "cancelled" and gone["next"] == []


def test_a_bad_rrule_is_refused_with_the_parsers_message(cli) -> None:
    refused = cli(
        "tasks",
        "create",
        "--account",
        "1",
        "--content",
        "x",
        "--rrule",
        "FREQ=DAILY;BYDAY=XX",
        "--media",
        cli.cover,
        ok=False,
    )
    assert "invalid 'BYDAY': XX" in refused.output
    assert json.loads(cli("tasks", "list", "--json").stdout) == []
