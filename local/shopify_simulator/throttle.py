"""The per-shop leaky bucket of the GraphQL Admin API.

Sizes and restore rates: https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
(Standard 100/s, Advanced 200/s, Plus 1000/s, Enterprise 2000/s). The bucket size of a dev store
is 2000 with 100/s in every capture under shared/shopify/payloads/graphql-captures-*. Before a
query runs the bucket must hold its requested cost; afterwards the difference between requested
and actual cost is refunded (https://help.shopify.com/en/api/graphql-admin-api/call-limit).
"""

from __future__ import annotations

import threading

from .clock import Clock

# plan -> (maximumAvailable, restoreRate). Bucket sizes other than the dev store's 2000 are not
# published on the rate-limits page; we scale them as 20 s of restore, which matches 2000/100.
PLANS: dict[str, tuple[float, float]] = {
    "standard": (2000.0, 100.0),
    "advanced": (4000.0, 200.0),
    "plus": (20000.0, 1000.0),
    "enterprise": (40000.0, 2000.0),
}


class LeakyBucket:
    def __init__(self, maximum: float, restore_rate: float, clock: Clock) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._clock = clock
        self._available = maximum
        self._at = clock.now()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock.now()
        elapsed = max(now - self._at, 0.0)
        self._available = min(self.maximum, self._available + elapsed * self.restore_rate)
        self._at = now

    def available(self) -> float:
        with self._lock:
            self._refill()
            return self._available

    def try_take(self, cost: float) -> bool:
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, amount: float) -> None:
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + amount)

    def set_available(self, amount: float) -> None:
        with self._lock:
            self._refill()
            self._available = max(0.0, min(self.maximum, amount))

    def status(self) -> dict[str, float | int]:
        """throttleStatus as Shopify prints it: whole numbers in the captures."""
        avail = self.available()
        return {
            "maximumAvailable": _num(self.maximum),
            "currentlyAvailable": int(avail + 1e-3),  # floor, forgiving the float noise of clock arithmetic
            "restoreRate": _num(self.restore_rate),
        }


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x
