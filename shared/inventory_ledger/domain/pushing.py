"""Which levels to push to Shopify, and how, so that a push never re-inflates stock.

A push sets Shopify's `available` to the ledger's quantity on condition that Shopify still shows what
we believe it shows (compare-and-swap, `changeFromQuantity = shopify_expected`). Shopify moves its
own `available` when it takes an order; until that order's webhook reaches us, the condition fails
and nothing is overwritten. Details and the decisions behind them: docs/pushing.md.
"""

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import batched

from inventory_ledger.domain.ledger import Balance, LevelKey

# Shopify caps every input array at 250 (MAX_INPUT_SIZE_EXCEEDED beyond).
QUANTITIES_PER_CALL = 250
PUSH_REASON = "correction"


@dataclass(frozen=True)
class LevelPush:
    key: LevelKey
    version: int
    quantity: int
    change_from: int
    inventory_item_id: int
    shopify_location_id: int


class PushOutcome(StrEnum):
    APPLIED = "applied"
    # Shopify holds a change we have not seen yet: nothing was written.
    STALE = "stale"
    # Refused together with a stale one; send again without it.
    NOT_APPLIED = "not_applied"


def levels_to_push(balances: Iterable[Balance]) -> list[Balance]:
    """Levels where the ledger and what Shopify shows differ; many changes of one level are one push."""
    return sorted((b for b in balances if not b.agrees_with_shopify), key=lambda b: b.key)


def idempotency_key(pushes: Sequence[LevelPush], *, kind: str = "push", scope: str = "") -> str:
    """The same pushes of the same versions give the same key, so a retried call is replayed, not redone.

    Derived from the levels and their versions and values only, never from the invocation: a retry
    of the same call (a Lambda retry, a redelivered batch) sends the same key. A bisected retry is
    another call (other arguments) and so another key; it answers stale for a level our lost call
    already set, which the sender then recognises by reading Shopify's level (service/send_pushes.py).
    Every argument that goes into the mutation goes into the key: reusing a key with other arguments
    is IDEMPOTENCY_KEY_PARAMETER_MISMATCH at Shopify. ``scope`` separates callers whose identical
    arguments must not share an answer (each reconciliation run's heals).
    """
    text = "\n".join(
        f"{p.key.shop}|{p.key.location}|{p.key.sku}|v{p.version}|{p.change_from}->{p.quantity}"
        for p in sorted(pushes, key=lambda p: p.key)
    )
    return f"{kind}-" + hashlib.sha256((scope + "\n" + text if scope else text).encode()).hexdigest()[:40]


def reference_document_uri(shop: str, key: str) -> str:
    # Shopify prefers gid://<app>/<Entity>/<id> for references it shows in the admin's history.
    return f"gid://inventory-ledger/LedgerPush/{key}?shop={shop}"


def chunks(pushes: Sequence[LevelPush], size: int = QUANTITIES_PER_CALL) -> Iterator[list[LevelPush]]:
    """The pushes in calls of at most Shopify's per-call cap."""
    return (list(chunk) for chunk in batched(pushes, size))
