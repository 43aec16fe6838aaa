"""get_settings follows the environment: a changed variable or .env file is read again, an
unchanged one is not rebuilt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scheduling_platform.settings import get_settings


def test_settings_follow_variables_and_the_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCHEDULING_SCHEDULE_HORIZON_DAYS", raising=False)
    first = get_settings()
    assert get_settings() is first  # nothing changed: the same settings
    monkeypatch.setenv("SCHEDULING_SCHEDULE_HORIZON_DAYS", "30")
    assert get_settings().schedule_horizon_days == 30
    monkeypatch.delenv("SCHEDULING_SCHEDULE_HORIZON_DAYS")
    (tmp_path / ".env").write_text("SCHEDULING_SCHEDULE_HORIZON_DAYS=40\n", encoding="utf-8")
    assert get_settings().schedule_horizon_days == 40
    (tmp_path / ".env").write_text("SCHEDULING_SCHEDULE_HORIZON_DAYS=200\n", encoding="utf-8")
    os.utime(tmp_path / ".env", ns=(1, 1))  # even within one clock tick: another stamp
    assert get_settings().schedule_horizon_days == 200
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # another working directory, no .env there
    assert get_settings().schedule_horizon_days == first.schedule_horizon_days
