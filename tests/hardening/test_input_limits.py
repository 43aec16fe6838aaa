"""Nothing a user types can break the store: far times, huge integers, deep JSON, invisible
text are each refused with one line, nothing stored, and the store stays readable."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduling_platform.scheduling.tasks import SchedulingError, within_horizon
from scheduling_platform.settings import Settings
from scheduling_platform.timeutil import InvalidTimeError, utcnow
from tests.hardening.conftest import Cli, as_json

BIG = str(2**64)


def _later(days: float) -> str:
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    "at",
    [
        "9999-12-31T20:00:00Z",  # 10000-01-01 in Shanghai: the listing crashed on it for good
        "9999-12-31T23:59",
        _later(366),
    ],
)
def test_times_beyond_the_horizon_are_refused_and_the_store_stays_readable(
    cli: Cli, account: int, at: str
) -> None:
    refused = cli(
        "tasks",
        "create",
        "--account",
        str(account),
        "--content",
        "hi",
        "--at",
        at,
        "--json",
        ok=False,
    )
    assert "days ahead" in as_json(refused)["error"] or "beyond" in as_json(refused)["error"]
    assert len(refused.stderr.strip().splitlines()) == 1
    assert as_json(cli("tasks", "list", "--json")) == []
    created = as_json(
        cli(
            "tasks",
            "create",
            "--account",
            str(account),
            "--content",
            "hi",
            "--at",
            _later(364),
            "--json",
        )
    )
    moved = cli("tasks", "reschedule", str(created["id"]), "--at", at, "--json", ok=False)
    assert "days ahead" in as_json(moved)["error"] or "beyond" in as_json(moved)["error"]
    cli("tasks", "show", str(created["id"]))
    assert len(as_json(cli("tasks", "list", "--json"))) == 1


def test_the_horizon_is_a_setting(cli: Cli, account: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULING_SCHEDULE_HORIZON_DAYS", "30")
    refused = cli(
        "tasks",
        "create",
        "--account",
        str(account),
        "--content",
        "hi",
        "--at",
        _later(31),
        "--json",
        ok=False,
    )
    assert "more than 30 days ahead" in as_json(refused)["error"]
    cli("tasks", "create", "--account", str(account), "--content", "hi", "--at", _later(29))


def test_a_series_starting_beyond_the_horizon_is_refused(cli: Cli, account: int) -> None:
    refused = cli(
        "tasks",
        "create",
        "--account",
        str(account),
        "--content",
        "daily",
        "--rrule",
        "FREQ=DAILY",
        "--at",
        _later(400),
        "--json",
        ok=False,
    )
    assert "days ahead" in as_json(refused)["error"]
    assert as_json(cli("tasks", "list", "--json")) == []


def test_the_series_horizon_may_not_pass_the_schedule_horizon() -> None:
    with pytest.raises(ValueError, match="exceeds schedule_horizon_days"):
        Settings(schedule_horizon_days=5, series_horizon_days=7)


def test_times_the_store_cannot_show_again_are_refused_whatever_the_horizon() -> None:
    now = datetime(9999, 12, 1, tzinfo=UTC)
    with pytest.raises(InvalidTimeError, match="beyond the times the store keeps"):
        within_horizon(datetime(9999, 12, 31, 20, tzinfo=UTC), "Asia/Shanghai", now, 36500)
    with pytest.raises(SchedulingError, match="more than 1 days ahead"):
        within_horizon(now + timedelta(days=2), "UTC", now, 1)


BIG_NUMBERS = [
    ["accounts", "set-followers", "1", BIG],
    ["accounts", "set-followers", BIG, "1"],
    ["tasks", "create", "--account", "1", "--content", "x", "--at", _later(2), "--priority", BIG],
    ["tasks", "create", "--account", BIG, "--content", "x", "--at", _later(2)],
    [
        "tasks",
        "create",
        "--account",
        "1",
        "--content",
        "x",
        "--rrule",
        "FREQ=DAILY",
        "--count",
        BIG,
        "--at",
        _later(2),
    ],
    ["tasks", "show", BIG],
    ["tasks", "cancel", BIG],
    ["tasks", "list", "--limit", BIG],
    ["tasks", "list", "--account", BIG],
    ["accounts", "reauthorise", BIG],
]


def test_integers_beyond_64_bits_are_one_line_refusals(cli: Cli, account: int) -> None:
    for args in BIG_NUMBERS:
        refused = cli(*args, ok=False)
        errors = [line for line in refused.stderr.splitlines() if line.startswith("Error")]
        assert len(errors) == 1, (args, refused.stderr)
    assert as_json(cli("tasks", "list", "--json")) == []


def test_json_nested_too_deeply_is_refused(cli: Cli, account: int, tmp_path: Path) -> None:
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    refused = cli(
        "accounts",
        "add",
        "--platform",
        "weibo",
        "--name",
        "deep",
        "--credentials-file",
        "-",
        stdin=deep,
        ok=False,
    )
    assert "nests deeper than" in refused.stderr
    batch = tmp_path / "deep.json"
    batch.write_text("[" * 5000 + "]" * 5000)
    refused = cli("tasks", "batch", "--file", str(batch), ok=False)
    assert "nests deeper than" in refused.stderr
    assert [a["name"] for a in as_json(cli("accounts", "list", "--json"))] == ["brand"]


def test_content_of_only_invisible_characters_is_refused(cli: Cli, account: int) -> None:
    for content in ["\u200b\u200b", "\u200b \u2060\ufeff", "\u3164\u200d", "\u202e"]:
        refused = cli(
            "tasks",
            "create",
            "--account",
            str(account),
            "--content",
            content,
            "--at",
            _later(2),
            "--json",
            ok=False,
        )
        assert "invisible" in as_json(refused)["error"]
    assert as_json(cli("tasks", "list", "--json")) == []


def test_visible_text_with_joiners_is_kept(cli: Cli, account: int) -> None:
    text = "早安 👩\u200d💻"
    created = as_json(
        cli(
            "tasks",
            "create",
            "--account",
            str(account),
            "--content",
            text,
            "--at",
            _later(2),
            "--json",
        )
    )
    assert created["content"] == text
    assert json.dumps(created)
