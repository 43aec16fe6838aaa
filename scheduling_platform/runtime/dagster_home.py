"""DAGSTER_HOME for the embedded platform: a folder under the home with our dagster.yaml."""

from __future__ import annotations

import os
from pathlib import Path

from scheduling_platform.settings import Settings

EMBEDDED_DAGSTER_YAML = """\
# Written by scheduling-platform for the embedded defaults (SQLite storage in this folder).
# Production storage on Postgres: see deploy/dagster.postgres.yaml in the project.
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 300
concurrency:
  runs:
    max_concurrent_runs: 10
  pools:
    # Pools guard single writers: DuckDB lets one process write its file.
    default_limit: 1
sensors:
  use_threads: true
  num_workers: 4
"""


def ensure_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME with its dagster.yaml if missing, and point the environment at it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(EMBEDDED_DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
