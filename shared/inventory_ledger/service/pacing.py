"""Hot levels: a level Shopify took a push for within the last spacing is pushed again once it passes.

Light traffic is pushed at once: a level not pushed lately goes out in the batch that carried its
change. A level that keeps changing (a delivery scanned one unit at a time, a flash sale's receipts)
would otherwise be pushed once per stream poll, four times a second. Its later changes are instead
left to one push scheduled for when the spacing since its last push has passed (a delayed message on
the push-later queue, read by the pusher): that push reads the level afresh, so every change made
until then goes out in it. A level already scheduled is skipped by the batches that follow, since
the scheduled push comes after their changes and reads them.

The memory is per container and only an optimisation: a container that forgets pushes once more
than needed (a level read afresh that agrees pushes nothing), never less. A schedule that cannot be
sent leaves the level to be pushed at once.
"""

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.ports import PushLater, TransientFailure

# SQS delays whole seconds, from 1 (a shorter wait is a push now).
MIN_DELAY_SECONDS = 1


@dataclass
class Paced:
    now: list[LevelKey] = field(default_factory=list)
    # Scheduled by this batch, with the delay asked for.
    scheduled: dict[LevelKey, int] = field(default_factory=dict)
    # Already scheduled by an earlier batch: that push will read this change.
    already_scheduled: list[LevelKey] = field(default_factory=list)


class LevelPacer:
    """Per container: when each level was last pushed, and which levels have a push scheduled."""

    def __init__(self, spacing_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.spacing_seconds = spacing_seconds
        self._clock = clock
        self._pushed_at: dict[LevelKey, float] = {}
        self._scheduled: set[LevelKey] = set()
        self._lock = threading.Lock()

    def pace(self, keys: Iterable[LevelKey], later: PushLater | None) -> Paced:
        """Which of a stream batch's levels to push now; the others are scheduled on ``later``."""
        paced = Paced()
        hot: dict[LevelKey, int] = {}
        at = self._clock()
        with self._lock:
            self._forget_before(at - self.spacing_seconds)
            for key in dict.fromkeys(keys):
                if later is None or self.spacing_seconds <= 0:
                    paced.now.append(key)
                elif key in self._scheduled:
                    paced.already_scheduled.append(key)
                elif (pushed := self._pushed_at.get(key)) is not None and at - pushed < self.spacing_seconds:
                    hot[key] = max(MIN_DELAY_SECONDS, int(pushed + self.spacing_seconds - at + 0.999))
                else:
                    paced.now.append(key)
        if not hot or later is None:
            return paced
        try:
            later.push_later(hot)
        except TransientFailure:
            paced.now += list(hot)  # unscheduled: pushed at once, nothing is left behind
            return paced
        with self._lock:
            self._scheduled.update(hot)
        paced.scheduled = hot
        return paced

    def pushed(self, keys: Iterable[LevelKey]) -> None:
        """Shopify took these levels now."""
        at = self._clock()
        with self._lock:
            for key in keys:
                self._pushed_at[key] = at

    def scheduled_push_done(self, keys: Iterable[LevelKey]) -> None:
        with self._lock:
            self._scheduled.difference_update(keys)

    def _forget_before(self, instant: float) -> None:
        # Keeps the memory to the levels pushed within the spacing (a container lives for hours).
        if len(self._pushed_at) > 10_000:
            self._pushed_at = {key: at for key, at in self._pushed_at.items() if at >= instant}
