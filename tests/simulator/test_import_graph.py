"""Issue #18: the simulator's modules import one another without a circle, and none imports late."""

from __future__ import annotations

import ast
from pathlib import Path

import shopify_simulator

PACKAGE = Path(shopify_simulator.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> tuple[set[str], list[int]]:
    """(the package's modules `path` imports, the lines of imports inside a function or class)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    late = [
        node.lineno
        for scope in ast.walk(tree)
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for node in ast.walk(scope)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            if node.module:  # `from . import x` imports the module x, not the package's own code
                found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("shopify_simulator"):
            found.add(node.module or "")
    return found, late


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path)[0] & set(modules) - {name} for name, path in modules.items()}


def test_no_module_imports_late() -> None:
    late = {str(p.relative_to(PACKAGE)): _imports(p)[1] for p in PACKAGE.rglob("*.py")}
    assert {name: lines for name, lines in late.items() if lines} == {}


def test_the_import_graph_has_no_circle() -> None:
    graph = _graph()
    circles: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:  # depth first; an edge back into the path is a circle
        for nxt in sorted(graph[node]):
            if nxt in path:
                circles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in done:
                visit(nxt, [*path, nxt])
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    assert circles == []
    # The module both the executor and bulk operations import (issue 18).
    assert "shopify_simulator.execution" in graph["shopify_simulator.executor"]
    assert "shopify_simulator.execution" in graph["shopify_simulator.mutations.bulk_ops"]
