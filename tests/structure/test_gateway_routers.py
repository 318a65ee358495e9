"""The gateway's API routers never import one another: what several of them need (the error statuses they
declare, the look-ups of a user's tables) lives in dmb_gateway.api.shared and the modules below it."""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "gateway" / "dmb_gateway" / "api"


def routers() -> set[str]:
    """The modules that define an APIRouter."""
    return {source.stem for source in API.glob("*.py") if "APIRouter(" in source.read_text()}


def test_no_router_imports_another() -> None:
    names = routers()
    assert {"tables", "jobs", "exports", "ai", "dead_letters"} <= names
    crossings = []
    for name in sorted(names):
        source = API / f"{name}.py"
        for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dmb_gateway.api."):
                imported = node.module.removeprefix("dmb_gateway.api.")
                if imported in names:
                    crossings.append(f"{name} imports {imported}")
    assert not crossings, crossings
