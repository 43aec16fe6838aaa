"""Both dagster.yaml files the project ships make working instances that run our jobs."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance

from scheduling_platform.definitions import build_definitions
from scheduling_platform.runtime.dagster_home import ensure_dagster_home
from scheduling_platform.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def _run_publish_job_with_nothing_claimed(instance: DagsterInstance, settings: Settings) -> None:
    result = (
        build_definitions(settings)
        .resolve_job_def("publish_job")
        .execute_in_process(
            run_config={
                "ops": {
                    "publish_claimed_batch": {
                        "config": {"claim_batch": "none:weibo", "platform": "weibo"}
                    }
                }
            },
            instance=instance,
            tags={"platform": "weibo"},
        )
    )
    assert result.success and result.output_for_node("publish_claimed_batch") == []
    assert instance.get_run_by_id(result.run_id).tags["platform"] == "weibo"


def test_embedded_instance_is_written_once_and_works(platform_env: Settings, monkeypatch) -> None:
    home = ensure_dagster_home(platform_env)
    assert home == platform_env.home / "dagster"
    config = home / "dagster.yaml"
    config.write_text(config.read_text() + "# kept\n")
    ensure_dagster_home(platform_env)
    assert config.read_text().endswith("# kept\n"), "an operator's edits must survive restarts"
    with DagsterInstance.from_config(str(home)) as instance:
        _run_publish_job_with_nothing_claimed(instance, platform_env)


@pytest.mark.postgres
def test_production_yaml_runs_on_postgres(
    postgres_admin_url: str, tmp_path: Path, platform_env: Settings, monkeypatch
) -> None:
    database = f"dagster_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    url = sa.engine.make_url(postgres_admin_url)
    for name, value in {
        "DAGSTER_PG_HOST": url.host,
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_USERNAME": url.username,
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_DB": database,
    }.items():
        monkeypatch.setenv(name, value)
    shutil.copy(REPO / "deploy" / "dagster.postgres.yaml", tmp_path / "dagster.yaml")
    try:
        with DagsterInstance.from_config(str(tmp_path)) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            _run_publish_job_with_nothing_claimed(instance, platform_env)
            runs = instance.get_runs()
            assert len(runs) == 1
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        admin.dispose()
