"""The handlers' side of the layering contract (the package's side is [tool.importlinter] in pyproject.toml).

`functions/<name>/app.py` are not a package import-linter can walk, so their imports are read here:
a handler may use the shipped package and powertools, never the local stack, the simulator, the demo
or the chaos runner, which do not ship.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted((ROOT / "functions").glob("*/app.py"))
NEVER_SHIPPED = {"local_stack", "shopify_simulator", "demo", "chaos", "tests", "scripts"}


def imported_top_levels(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_function_has_a_handler() -> None:
    assert len(HANDLERS) >= 4


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda p: p.parent.name)
def test_handlers_import_only_what_ships(handler: Path) -> None:
    imported = imported_top_levels(handler.read_text(encoding="utf-8"))
    assert "inventory_ledger" in imported, "a handler calls into the shared package"
    assert not imported & NEVER_SHIPPED


def test_the_reader_sees_a_late_import_too() -> None:
    assert imported_top_levels("def f():\n    from local_stack import driver\n") == {"local_stack"}
