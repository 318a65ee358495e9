"""The layering the architecture promises: a library (libs/*) never imports a service, the gateway or the app
that composes them, so any service can use any library without pulling the platform in."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Test support starts the whole platform for end-to-end tests, through the app (never a service directly).
ALLOWED = {"dmb_testing": {"dmb_platform"}}


def packages(folder: str) -> dict[str, Path]:
    return {path.name: path for path in sorted(ROOT.glob(f"{folder}/*/dmb_*")) if path.is_dir()}


def imported_modules(package: Path) -> set[str]:
    found: set[str] = set()
    for source in package.rglob("*.py"):
        if "migrations" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_no_library_imports_a_service_the_gateway_or_the_platform_app() -> None:
    upper = set(packages("services")) | set(packages("apps")) | {"dmb_gateway"}
    assert {"dmb_schema", "dmb_generator", "dmb_ai", "dmb_exporter", "dmb_platform"} <= upper  # the scan sees them
    offences = {
        name: sorted((imported_modules(path) & upper) - ALLOWED.get(name, set()))
        for name, path in packages("libs").items()
    }
    assert {name: found for name, found in offences.items() if found} == {}


def test_no_library_depends_on_a_service_the_gateway_or_the_platform_app() -> None:
    upper = {"dmb-gateway", "dmb-platform"} | {
        tomllib.loads((path / "pyproject.toml").read_text())["project"]["name"] for path in ROOT.glob("services/*")
    }
    for pyproject in sorted(ROOT.glob("libs/*/pyproject.toml")):
        dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
        names = {dependency.split(">")[0].split("=")[0].split("[")[0].strip() for dependency in dependencies}
        assert not names & upper, f"{pyproject.parent.name} depends on {sorted(names & upper)}"
