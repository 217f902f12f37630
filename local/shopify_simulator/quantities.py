"""Shopify's named inventory quantities and how they relate.

on_hand = available + committed + the unavailable states (damaged, quality_control, reserved,
safety_stock); `incoming` is outside on_hand. Source:
https://shopify.dev/docs/apps/build/orders-fulfillment/inventory-management-apps/inventory-states
"""

from __future__ import annotations

UNAVAILABLE_STATES = ("damaged", "quality_control", "reserved", "safety_stock")
STORED_STATES = ("available", "committed", "incoming", *UNAVAILABLE_STATES)
DERIVED_STATES = ("on_hand", "unavailable")
ALL_NAMES = (*STORED_STATES, *DERIVED_STATES)

# inventorySetQuantities accepts only these (capture: inventorySetQuantities-name-validation).
SET_NAMES = ("available", "on_hand")
# inventoryAdjustQuantities / inventoryMoveQuantities allowlist (capture: inventory-adjust-name-allowlist).
ADJUST_NAMES = ("available", "damaged", "incoming", "quality_control", "reserved", "safety_stock")

# Valid `reason` values, in the order Shopify lists them (capture: setOnHandInvalidReason).
REASONS = (
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
)

MAX_QUANTITY = 1_000_000_000
MIN_AVAILABLE = -1_000_000_000


def read(stored: dict[str, int], name: str) -> int | None:
    """The value of a named quantity, None for an unknown name."""
    if name == "on_hand":
        return stored["available"] + stored["committed"] + sum(stored[n] for n in UNAVAILABLE_STATES)
    if name == "unavailable":
        return sum(stored[n] for n in UNAVAILABLE_STATES)
    return stored.get(name)


def deltas_for(name: str, delta: int) -> dict[str, int]:
    """The changes Shopify reports when `name` moves by `delta` (e.g. available also moves on_hand).

    The captures show a set of `available` answering two changes (available, on_hand) and a set of
    `on_hand` answering the same two: on_hand moves through available.
    """
    if name in ("available", "on_hand"):
        return {"available": delta, "on_hand": delta}
    if name in UNAVAILABLE_STATES:
        return {name: delta, "on_hand": delta}
    return {name: delta}
