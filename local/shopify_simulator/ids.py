"""Shopify ids: 64-bit integers above 2^53 (so a float round trip corrupts them) and their gids."""

from __future__ import annotations

import itertools
import threading

# Every id is above 2^60 (and below 2^63) with odd steps: a client that parses ids as IEEE doubles loses
# precision at once, as the trigger.dev samples did (see shared/shopify/payloads/README.txt).
ID_FLOOR = 2**60 + 1_000_003


class IdGenerator:
    """Monotonic ids, odd steps so neighbouring ids differ in their low digits."""

    def __init__(self, start: int = ID_FLOOR) -> None:
        self._counter = itertools.count(start, 7919)
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            return next(self._counter)


def gid(kind: str, num: int) -> str:
    return f"gid://shopify/{kind}/{num}"


def level_gid(location_id: int, item_id: int) -> str:
    """InventoryLevel gids carry the item as a query string (see the captures' downstreamRead)."""
    return f"gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}"


def parse_gid(value: str) -> tuple[str, int, str] | None:
    """`gid://shopify/Kind/123?x=y` -> (Kind, 123, "x=y"); None when it is not a Shopify gid."""
    prefix = "gid://shopify/"
    if not isinstance(value, str) or not value.startswith(prefix):
        return None
    rest = value[len(prefix) :]
    kind, _, tail = rest.partition("/")
    num_part, _, query = tail.partition("?")
    if not kind or not num_part.isdigit():
        return None
    return kind, int(num_part), query


def parse_gid_of(kind: str, value: str) -> int | None:
    parsed = parse_gid(value)
    if parsed is None or parsed[0] != kind:
        return None
    return parsed[1]
