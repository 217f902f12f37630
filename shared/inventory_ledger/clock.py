"""Time is injected: the types use cases and adapters take for it, and the one wall clock they are given.

Tests pass fixed or manual clocks instead; nothing below the handlers and the CLI reads the time itself.
"""

from collections.abc import Callable
from datetime import UTC, datetime

Now = Callable[[], datetime]  # the instant a use case stamps its entries and marks with
Clock = Callable[[], float]  # seconds, for deadlines and rate limits (time.monotonic, time.time)
Sleeper = Callable[[float], None]


def utc_now() -> datetime:
    return datetime.now(UTC)
