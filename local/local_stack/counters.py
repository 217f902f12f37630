"""Thread-safe counters the driver exposes at GET /_driver/status."""

import threading
from collections import Counter, defaultdict


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._changed = threading.Condition(self._lock)
        self.activity = 0  # grows with anything that happens; drain() watches it stand still

    def add(self, group: str, name: str, amount: int = 1) -> None:
        with self._lock:
            self._groups[group][name] += amount
            self.activity += 1
            self._changed.notify_all()

    def get(self, group: str, name: str) -> int:
        with self._lock:
            return self._groups[group][name]

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {group: dict(sorted(counts.items())) for group, counts in sorted(self._groups.items())}
