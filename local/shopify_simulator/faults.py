"""Faults on demand for the GraphQL endpoint: HTTP 429 / 5xx, slow answers, dropped connections."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    kind: str  # "status" | "delay" | "drop"
    remaining: int
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0


class FaultInjector:
    def __init__(self) -> None:
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()

    def add(self, shop: str, fault: Fault) -> None:
        with self._lock:
            self._faults.setdefault(shop, []).append(fault)

    def clear(self, shop: str | None = None) -> None:
        with self._lock:
            if shop is None:
                self._faults.clear()
            else:
                self._faults.pop(shop, None)

    def take(self, shop: str) -> Fault | None:
        """The fault for this request, if any (faults apply in the order they were added)."""
        with self._lock:
            queue = self._faults.get(shop, [])
            while queue and queue[0].remaining <= 0:
                queue.pop(0)
            if not queue:
                return None
            queue[0].remaining -= 1
            return queue[0]

    def pending(self, shop: str) -> list[dict[str, object]]:
        with self._lock:
            return [vars(f).copy() for f in self._faults.get(shop, []) if f.remaining > 0]
