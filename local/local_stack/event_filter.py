"""The part of Lambda's event filtering (FilterCriteria) that template.yaml uses.

A pattern is a JSON object: nested keys must exist in the record, and a list at a leaf holds the
values that match exactly (any of them). Filters in one FilterCriteria are alternatives. Content
operators (prefix, numeric, exists, anything-but, ...) are refused when the pattern is read, so a
template that starts using one fails loudly here instead of silently filtering differently.
"""

from collections.abc import Mapping, Sequence
from typing import Any


class UnsupportedPattern(ValueError):
    pass


def _check(pattern: Any, path: str) -> None:
    if isinstance(pattern, Mapping):
        if not pattern:
            raise UnsupportedPattern(f"empty object at {path or 'top'}")
        for key, value in pattern.items():
            _check(value, f"{path}.{key}" if path else key)
    elif isinstance(pattern, list):
        for value in pattern:
            if isinstance(value, Mapping | list):
                raise UnsupportedPattern(f"only exact values are supported, {path} has {value!r}")
    else:
        raise UnsupportedPattern(f"{path} must be an object or a list of values, not {pattern!r}")


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return bool(expected == actual)


def _matches(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, Mapping):
        return isinstance(value, Mapping) and all(k in value and _matches(p, value[k]) for k, p in pattern.items())
    # A list in the record matches when any of its elements does, as in Lambda.
    candidates = value if isinstance(value, list) else [value]
    return any(_equal(expected, actual) for expected in pattern for actual in candidates)


class EventFilter:
    """Keeps a record when it matches any of the patterns; with no patterns, keeps everything."""

    def __init__(self, patterns: Sequence[Mapping[str, Any]]) -> None:
        for pattern in patterns:
            _check(pattern, "")
        self.patterns = list(patterns)

    def matches(self, record: Mapping[str, Any]) -> bool:
        return not self.patterns or any(_matches(pattern, record) for pattern in self.patterns)
