"""The real Admin GraphQL schemas, built once per process and version, lazily (each takes seconds)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from graphql import GraphQLSchema, build_schema

SCHEMA_DIR_ENV = "SHOPIFY_SIMULATOR_SCHEMA_DIR"
DEFAULT_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "reference" / "shopify" / "schema"

_cache: dict[str, GraphQLSchema] = {}
_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def schema_dir() -> Path:
    return Path(os.environ.get(SCHEMA_DIR_ENV, str(DEFAULT_SCHEMA_DIR)))


def supported_versions() -> list[str]:
    """Every version with a schema file beside us, e.g. 2025-10, 2026-01, 2026-04, 2026-07."""
    return sorted(p.stem.removeprefix("admin-") for p in schema_dir().glob("admin-*.graphql"))


def get_schema(version: str) -> GraphQLSchema:
    """The schema for `version`; KeyError when we have none. Thread safe, built at most once."""
    with _guard:
        if version in _cache:
            return _cache[version]
        lock = _locks.setdefault(version, threading.Lock())
    with lock:
        if version not in _cache:
            path = schema_dir() / f"admin-{version}.graphql"
            if not path.exists():
                raise KeyError(version)
            # graphql-core 3.2 accepts this SDL as is (DESIGN.md: 3.3 would need assume_valid).
            _cache[version] = build_schema(path.read_text(encoding="utf-8"))
        return _cache[version]


def version_at_least(version: str, floor: str) -> bool:
    """API versions are YYYY-MM strings, so string order is release order."""
    return version >= floor
