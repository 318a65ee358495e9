"""docker-compose.yml cannot be run here (no Docker engine), so it is validated by Debian's `docker-compose
config` (installed by `make deploy-tools`, part of `make test`) and checked against the code: every service
is started the way `dmb` expects from the one image, configured only with settings that exist, behind Nginx."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from dmb_gateway.settings import GatewaySettings
from dmb_testing.servers import server_missing

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "schema", "generator", "ai", "exporter")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_docker_compose_config_accepts_the_file() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        server_missing("docker-compose", "no `docker-compose` on PATH")
        return
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        env=os.environ | {"DMB_SECRET_KEY": "compose-check"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_dmb_serve_from_the_one_image(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["command"] == ["serve", name]
    assert service["image"] == "dmb:latest"
    assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}


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
    for name in (*SERVICES, "nginx"):
        for dependency in compose["services"][name]["depends_on"]:
            assert dependency in compose["services"]


def test_nginx_is_the_way_in_serving_the_gateways_static_files_and_proxying_the_rest(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    assert "ports" not in compose["services"]["gateway"]  # only through Nginx
    assert nginx["ports"] == ["8000:80"]
    # "host:container:ro" → container → host
    mounts = {container: host for host, container, _ in (volume.split(":") for volume in nginx["volumes"])}
    config = (ROOT / mounts["/etc/nginx/conf.d/default.conf"].removeprefix("./")).read_text()
    static = ROOT / mounts["/usr/share/nginx/dmb-static"].removeprefix("./")
    assert (static / "js" / "base.js").is_file()
    assert (static / "vendor" / "bootstrap@5.3.8" / "dist" / "css" / "bootstrap.min.css").is_file()
    assert re.search(r"location /static/ \{\s*alias /usr/share/nginx/dmb-static/;", config)
    assert "server gateway:8000;" in config
    assert "proxy_buffering off;" in config  # live progress (server-sent events) is not held back


def test_the_image_is_multi_stage_slim_unprivileged_with_a_healthcheck() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert len(stages) == 2
    assert all(stage.endswith("-slim") for stage in stages)
    assert re.search(r"^USER dmb$", dockerfile, re.MULTILINE)
    assert re.search(r'^HEALTHCHECK .*CMD \["python", "-m", "dmb_platform.probe"\]$', dockerfile, re.MULTILINE)
    assert re.search(r'^ENTRYPOINT \["dmb"\]$', dockerfile, re.MULTILINE)
    for package in re.findall(r"\./((?:libs|services|apps)/\w+|gateway)\b", dockerfile):
        assert (ROOT / package / "pyproject.toml").is_file(), package
