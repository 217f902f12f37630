"""The package installs inventory_ledger, local_stack and shopify_simulator; never a top-level demo or chaos.

setuptools is not in the dev environment (only in the build's), so this reads pyproject's find
settings and applies them as setuptools does to top-level packages: a folder of `where` with an
__init__.py, kept when a pattern of `include` matches its name and none of `exclude` does.
"""

import tomllib
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def installed_top_level() -> set[str]:
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    include, exclude = found.get("include", ["*"]), found.get("exclude", [])
    packages = set()
    for where in found["where"]:
        for folder in (ROOT / where).iterdir():
            if not (folder / "__init__.py").is_file():
                continue
            if any(fnmatchcase(folder.name, p) for p in include) and not any(
                fnmatchcase(folder.name, p) for p in exclude
            ):
                packages.add(folder.name)
    return packages


def test_no_top_level_demo_or_chaos_is_installed() -> None:
    assert installed_top_level() == {"inventory_ledger", "local_stack", "shopify_simulator"}
    # They are still there for make demo, make soak and their tests, run from the checkout.
    assert (ROOT / "local" / "demo" / "__main__.py").is_file()
    assert (ROOT / "local" / "chaos" / "__main__.py").is_file()
