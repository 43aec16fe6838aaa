"""What can be checked of deploy/ without Docker or Kubernetes: the files parse, the compose
file names the services with the entry points the image has, the image copies what the
package reads, the Helm values point the chart at this code location and the K8s run
launcher. (The production dagster.yaml loads on the real Postgres in test_dagster_instances.)"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import yaml
from click.testing import CliRunner

from scheduling_platform.cli.main import main

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"


def _console_scripts() -> set[str]:
    """Commands an install of this project has: its own and its dependencies' entry points."""
    return {ep.name for ep in entry_points(group="console_scripts")}


def test_compose_names_the_services_and_their_commands_exist() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "dagster-webserver", "dagster-daemon", "api"}
    scripts = _console_scripts()
    for name in ("dagster-webserver", "dagster-daemon", "api"):
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        command = service["command"]
        assert command[0] in scripts, (name, command)
        env = service["environment"]
        for variable in (
            "SCHEDULING_DATABASE_URL",
            "SCHEDULING_ENCRYPTION_KEY",
            "SCHEDULING_API_KEY_SECRET",
            "SCHEDULING_REDIS_URL",
        ):
            assert variable in env, (name, variable)
        mounted = [v.split(":")[0] for v in service["volumes"]]
        assert "./dagster.postgres.yaml" in mounted
        assert (DEPLOY / "dagster.postgres.yaml").exists()
    # The API command is a real subcommand with the options the file passes.
    api_args = services["api"]["command"][1:]
    assert CliRunner().invoke(main, [*api_args, "--help"]).exit_code == 0
    assert services["dagster-webserver"]["command"][-1] == "workspace.yaml"
    assert (REPO / "workspace.yaml").exists()
    init = (DEPLOY / "postgres-init.sql").read_text()
    for database in ("scheduling", "scheduling_warehouse", "dagster"):
        assert f"CREATE DATABASE {database};" in init
        assert any(database in str(v) for v in services["api"]["environment"].values())


def test_the_image_copies_everything_the_package_reads() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copied = {
        part for line in re.findall(r"^COPY (.+)$", dockerfile, re.M) for part in line.split()[:-1]
    }
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for package in packages:
        assert package.rstrip("*") in copied, package
    assert {"dbt_like_sql", "workspace.yaml", "pyproject.toml"} <= copied
    (cmd,) = re.findall(r"^CMD (.+)$", dockerfile, re.M)
    assert eval(cmd)[0] in _console_scripts()


def test_helm_values_run_this_code_location_with_the_k8s_launcher() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    args = deployment["dagsterApiGrpcArgs"]
    module = args[args.index("--module-name") + 1]
    assert importlib.util.find_spec(module) is not None, module
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False
    limits = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert limits["tagConcurrencyLimits"][0]["key"] == "platform"
    api = list(yaml.safe_load_all((DEPLOY / "k8s" / "api.yaml").read_text()))
    (container,) = api[0]["spec"]["template"]["spec"]["containers"]
    assert container["command"][0] in _console_scripts()
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/v1/system/ready"
