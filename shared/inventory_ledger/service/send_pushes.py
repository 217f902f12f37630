"""The one push-with-resends loop: compare-and-swap calls to Shopify, used by the pusher and by heal.

One call per chunk of at most 250 levels. Shopify refuses a whole call when any level in it is
stale: the others come back NOT_APPLIED and are sent again without it (at most MAX_RESENDS times).
A level answered stale whose Shopify `available` now equals what we pushed was set by a call of ours
whose answer was lost (an invocation killed after Shopify applied it, then a bisected retry under
another key): it is recognised as applied, so a lost acknowledgement never freezes a level.
"""

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field

from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.pushing import LevelPush, PushOutcome, chunks, idempotency_key
from inventory_ledger.ports import PushRefused, ShopifyInventory, TransientFailure

# A level whose other pushes in the same call were refused is sent again at most this often.
MAX_RESENDS = 3


@dataclass
class Sent:
    applied: list[LevelPush] = field(default_factory=list)
    # Part of `applied`: answered stale, but Shopify shows the pushed value (our earlier call landed).
    recognised: list[LevelPush] = field(default_factory=list)
    stale: list[LevelPush] = field(default_factory=list)
    # Not sent or not answered: Shopify unavailable, throttled past the client's retries, or refusing.
    unsent: dict[LevelKey, str] = field(default_factory=dict)
    calls: int = 0
    # The first failure of Shopify itself (the shop is down for now: send it nothing more this time).
    shop_error: str | None = None


def send_pushes(
    pushes: Sequence[LevelPush],
    shopify: ShopifyInventory,
    on_applied: Callable[[list[LevelPush]], object],
    *,
    kind: str = "push",
    scope: str = "",
    overlapped: bool = False,
) -> Sent:
    """Sends every push; ``on_applied`` records each call's applied levels before the next call, or
    with ``overlapped`` while the next call is on its way (all recorded before this returns)."""
    sent = Sent()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="applied") if overlapped else nullcontext() as pool:
        record = _Recorder(on_applied, pool)
        for chunk in chunks(pushes):
            if sent.shop_error is not None:
                sent.unsent.update({push.key: f"not sent: {sent.shop_error}" for push in chunk})
                continue
            _send_chunk(chunk, shopify, record, sent, kind, scope)
        record.wait()
    return sent


class _Recorder:
    """``on_applied`` at once, or on ``pool`` with one call's levels in flight at most: a call's
    acknowledgements are written while the next call waits on Shopify (each only after Shopify applied
    its levels), and a recording that fails raises at the next call's answer, one call later at most.
    A level Shopify applied whose recording was lost that way is pushed again by the stream's retry and
    recognised as ours (``_ours_already``), as after an invocation killed between a call and its
    acknowledgement."""

    def __init__(self, on_applied: Callable[[list[LevelPush]], object], pool: ThreadPoolExecutor | None) -> None:
        self._on_applied, self._pool = on_applied, pool
        self._pending: Future[object] | None = None

    def __call__(self, applied: list[LevelPush]) -> None:
        if self._pool is None:
            self._on_applied(applied)
            return
        self.wait()
        self._pending = self._pool.submit(self._on_applied, applied)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()


def _send_chunk(
    chunk: list[LevelPush],
    shopify: ShopifyInventory,
    on_applied: Callable[[list[LevelPush]], object],
    sent: Sent,
    kind: str,
    scope: str,
) -> None:
    pending = chunk
    for _ in range(MAX_RESENDS + 1):
        if not pending:
            return
        try:
            outcomes = shopify.set_available(pending, idempotency_key=idempotency_key(pending, kind=kind, scope=scope))
        except (TransientFailure, PushRefused) as error:
            sent.shop_error = f"{type(error).__name__}: {error}"
            sent.unsent.update({push.key: sent.shop_error for push in pending})
            return
        sent.calls += 1
        applied = [push for push in pending if outcomes[push.key] is PushOutcome.APPLIED]
        stale = [push for push in pending if outcomes[push.key] is PushOutcome.STALE]
        recognised = _ours_already(stale, shopify)
        if recognised:
            sent.recognised += recognised
            applied += recognised
            stale = [push for push in stale if push not in recognised]
        if applied:
            on_applied(applied)
        sent.applied += applied
        sent.stale += stale
        pending = [push for push in pending if outcomes[push.key] is PushOutcome.NOT_APPLIED]
    sent.unsent.update({push.key: "refused alongside stale levels too often" for push in pending})


def _ours_already(stale: list[LevelPush], shopify: ShopifyInventory) -> list[LevelPush]:
    """Stale levels at which Shopify already shows what we pushed: a call of ours landed unanswered.

    A read that fails leaves them stale (the safe side: nothing is acknowledged that is not known).
    """
    if not stale:
        return []
    try:
        available = shopify.read_available(stale)
    except (TransientFailure, PushRefused):
        return []
    return [push for push in stale if available.get(push.key) == push.quantity]
