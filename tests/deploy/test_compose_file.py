"""docker-compose.yml cannot be run here (no Docker engine), so it is checked against the code instead:
every service is started the way `dmb` expects, built from a real package, and configured only with
settings that exist."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from dmb_gateway.settings import GatewaySettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "schema", "generator", "ai", "exporter")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_dmb_serve_from_its_own_package(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["command"] == ["serve", name]
    args = service["build"]["args"]
    project = tomllib.loads((ROOT / args["PACKAGE_DIR"] / "pyproject.toml").read_text())["project"]
    assert project["name"] == args["PACKAGE"]
    assert (ROOT / service["build"]["dockerfile"]).is_file()


@pytest.mark.parametrize("name", SERVICES)
def test_every_variable_is_a_real_setting(compose: dict[str, Any], name: str) -> None:
    known = {f"DMB_{field.upper()}" for field in GatewaySettings.model_fields}
    variables = set(compose["services"][name]["environment"])
    assert variables <= known, variables - known
    assert {"DMB_BUS_URL", "DMB_DATABASE_URL", "DMB_DATASETS_URL", "DMB_SECRET_KEY"} <= variables


def test_every_service_database_is_created_and_distinct(compose: dict[str, Any]) -> None:
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    urls = [compose["services"][name]["environment"]["DMB_DATABASE_URL"] for name in SERVICES]
    assert len(set(urls)) == len(SERVICES)
    for url in urls:
        assert f"CREATE DATABASE {url.rsplit('/', 1)[1]};" in init


def test_dependencies_are_defined(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        for dependency in compose["services"][name]["depends_on"]:
            assert dependency in compose["services"]


@pytest.mark.parametrize("name", SERVICES)
def test_each_kubernetes_deployment_serves_its_service_with_real_settings(name: str) -> None:
    documents = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / f"{name}.yaml").read_text()))
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["serve", name]
    known = {f"DMB_{field.upper()}" for field in GatewaySettings.model_fields}
    assert {variable["name"] for variable in container["env"]} <= known
    config = yaml.safe_load((ROOT / "deploy" / "k8s" / "base.yaml").read_text().split("---")[-1])
    assert set(config["data"]) <= known
