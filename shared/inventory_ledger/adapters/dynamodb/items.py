"""Keys and item shapes of the ledger table (docs/contracts.md), and their mapping to domain objects.

Shopify ids are stored as strings: DynamoDB numbers would keep them exact, but strings cannot be
turned into floats by any client on the way.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from inventory_ledger.domain.ledger import (
    ActivityEntry,
    Balance,
    LevelKey,
    MovementKind,
    OrderLineState,
    PushStatus,
    Source,
)
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind, VariantLevel
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.privacy import scrub_envelope

# Every key of the ledger table is spelled here, and only here (docs/contracts.md lists them).
BALANCE_SK = "BALANCE"
ENTRY_PREFIX = "ENTRY#"
LINE_PREFIX = "LINE#"
CONFIG_SK = "CONFIG"
SHOP_PREFIX = "SHOP#"
REGISTRY_PK = "SHOPS"  # one item per onboarded shop, sk = SHOP#<shop>
REPUSH_PREFIX = "LEVEL#"
WEBHOOK_SK = "SEEN"
TOKEN_SK = "TOKEN"  # noqa: S105 (a sort key)


@dataclass(frozen=True)
class KeyKind:
    """A kind of key: its prefix (what a begins_with query asks for) and the key of one value."""

    prefix: str

    def of(self, value: object) -> str:
        return f"{self.prefix}{value}"


# In a shop's partition (SHOP#<shop>), beside its CONFIG: one item per mapping each way, compliance records.
LOCATION = KeyKind("LOCATION#")
SHOPIFY_LOCATION = KeyKind("SHOPIFY_LOCATION#")
SKU = KeyKind("SKU#")
INVENTORY_ITEM = KeyKind("INVENTORY_ITEM#")
VARIANT = KeyKind("VARIANT#")
COMPLIANCE = KeyKind("COMPLIANCE#")
# An order's lines (ORDER#<shop>#<id>), and the events parked for a shop or waiting for an order.
LINE = KeyKind(LINE_PREFIX)
PARKED = KeyKind("EVENT#")
WAITING = KeyKind("WAITING#")
# Beside a shop's parked events (PARKED#<shop>): a copy of each parked because Shopify could not be
# read for it, so the sweep reads a few of those, not every parked event of the shop.
UNREADABLE = KeyKind("UNREADABLE#")
WEBHOOK = KeyKind("WEBHOOK#")  # a partition of its own per webhook id

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


def to_attributes(item: Item) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in item.items() if value is not None}


def from_attributes(attributes: dict[str, Any]) -> Item:
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


def key_part(text: str) -> str:
    """A free-text key part (location name, SKU) with ``#`` escaped, so parts can never run together:
    ``a#b`` / ``c`` and ``a`` / ``b#c`` are two levels, not one item. ``%`` is escaped first, so the
    escaping is reversible and injective. Parts without either character are unchanged."""
    return text.replace("%", "%25").replace("#", "%23")


def level_pk(key: LevelKey) -> str:
    # The shop domain is validated (no `#`) before any key is built; location and SKU are free text.
    return f"LEVEL#{key.shop}#{key_part(key.location)}#{key_part(key.sku)}"


def order_pk(shop: str, order_id: int) -> str:
    return f"ORDER#{shop}#{order_id}"


def shop_pk(shop: str) -> str:
    return f"{SHOP_PREFIX}{shop}"


def shop_key(shop: str, sort_key: str) -> dict[str, Any]:
    """An item of the shop's partition: its CONFIG, a mapping (LOCATION.of(name), SKU.of(sku), ...)."""
    return to_attributes({"pk": shop_pk(shop), "sk": sort_key})


def token_key(shop: str) -> dict[str, Any]:
    return to_attributes({"pk": f"ADMIN_TOKEN#{shop}", "sk": TOKEN_SK})


def parked_pk(shop: str) -> str:
    return f"PARKED#{shop}"


def repush_pk(shop: str) -> str:
    return f"REPUSH#{shop}"


def repush_key(key: LevelKey) -> dict[str, Any]:
    return to_attributes(
        {"pk": repush_pk(key.shop), "sk": f"{REPUSH_PREFIX}{key_part(key.location)}#{key_part(key.sku)}"}
    )


def balance_key(key: LevelKey) -> dict[str, Any]:
    return to_attributes({"pk": level_pk(key), "sk": BALANCE_SK})


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def balance_from_item(item: Item) -> Balance:
    return Balance(
        key=LevelKey(item["shop"], item["location"], item["sku"]),
        quantity=int(item.get("quantity", 0)),
        version=int(item.get("version", 0)),
        shopify_expected=int(item.get("shopify_expected", 0)),
        pushed_version=int(item.get("pushed_version", 0)),
        push_status=PushStatus(item["push_status"]) if item.get("push_status") else None,
        stale_since=_time(item.get("stale_since")),
        last_agreed_at=_time(item.get("last_agreed_at")),
        shopify_observed=_int_or_none(item.get("shopify_observed")),
        observed_at=_time(item.get("observed_at")),
        updated_at=_time(item.get("updated_at")),
        drift_since=_time(item.get("drift_since")),
        imported_at=_time(item.get("imported_at")),
    )


def line_from_item(item: Item) -> OrderLineState:
    return OrderLineState(
        shop=item["shop"],
        order_id=int(item["order_id"]),
        line_item_id=int(item["line_item_id"]),
        sku=item["sku"],
        location=item["location"],
        sold=int(item.get("sold", 0)),
        restocked=int(item.get("restocked", 0)),
        cancel_restocked=int(item.get("cancel_restocked", 0)),
        shipped_away=int(item.get("shipped_away", 0)),
        applied=frozenset(item.get("applied", set())),
        version=int(item.get("version", 0)),
    )


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def entry_item(entry: ActivityEntry) -> Item:
    source = entry.source
    return {
        "pk": level_pk(entry.key),
        "sk": ENTRY_PREFIX + entry.entry_id,
        "item_type": "entry",
        "shop": entry.key.shop,
        "location": entry.key.location,
        "sku": entry.key.sku,
        "entry_id": entry.entry_id,
        "kind": entry.kind.value,
        "quantity": entry.quantity,
        "balance_after": entry.balance_after,
        "version_after": entry.version_after,
        "applied_at": entry.applied_at.isoformat(),
        "reason": entry.reason,
        "oversell": entry.oversell or None,
        "requested_quantity": entry.requested_quantity,
        "topic": source.topic,
        "order_id": _id(source.order_id),
        "line_item_id": _id(source.line_item_id),
        "refund_id": _id(source.refund_id),
        "refund_line_id": _id(source.refund_line_id),
        "webhook_id": source.webhook_id,
        "event_id": source.event_id,
        "operation_id": source.operation_id,
        "actor": source.actor,
    }


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def entry_from_item(item: Item) -> ActivityEntry:
    return ActivityEntry(
        key=LevelKey(item["shop"], item["location"], item["sku"]),
        entry_id=item["entry_id"],
        kind=MovementKind(item["kind"]),
        quantity=int(item["quantity"]),
        balance_after=int(item["balance_after"]),
        version_after=int(item["version_after"]),
        applied_at=datetime.fromisoformat(item["applied_at"]),
        source=Source(
            topic=item.get("topic"),
            order_id=_int_or_none(item.get("order_id")),
            line_item_id=_int_or_none(item.get("line_item_id")),
            refund_id=_int_or_none(item.get("refund_id")),
            refund_line_id=_int_or_none(item.get("refund_line_id")),
            webhook_id=item.get("webhook_id"),
            event_id=item.get("event_id"),
            operation_id=item.get("operation_id"),
            actor=item.get("actor"),
        ),
        reason=item.get("reason"),
        oversell=bool(item.get("oversell", False)),
        requested_quantity=_int_or_none(item.get("requested_quantity")),
    )


def parked_item(event: ParkedEvent) -> Item:
    return {
        "pk": parked_pk(event.shop),
        "sk": PARKED.of(event.event_id),
        "item_type": "parked_event",
        "shop": event.shop,
        "event_id": event.event_id,
        "topic": event.topic,
        "received_at": event.received_at.isoformat(),
        "parked_at": event.parked_at.isoformat(),
        # Only what replay needs: no customer name, e-mail, address or phone (domain/privacy.py).
        "envelope": scrub_envelope(event.envelope),
        "problems": [{"kind": p.kind.value, "detail": p.detail} for p in event.problems],
        "reason": event.reason,
        "waiting_for_order": _id(event.waiting_for_order),
        "replays": event.replays,
    }


def parked_from_item(item: Item) -> ParkedEvent:
    return ParkedEvent(
        shop=item["shop"],
        event_id=item["event_id"],
        topic=item["topic"],
        received_at=datetime.fromisoformat(item["received_at"]),
        parked_at=datetime.fromisoformat(item["parked_at"]),
        envelope=item["envelope"],
        problems=tuple(Problem(ProblemKind(p["kind"]), p["detail"]) for p in item["problems"]),
        waiting_for_order=_int_or_none(item.get("waiting_for_order")),
        replays=int(item.get("replays", 0)),
    )


def merchant_view_from_items(shop: str, config: Item, found: Iterable[Item]) -> MerchantView:
    locations: dict[int, str] = {}
    skus: set[str] = set()
    by_inventory_item: dict[int, str] = {}
    by_variant: dict[int, VariantLevel] = {}
    variant_of_sku: dict[str, int | None] = {}
    for item in found:
        kind, _, value = item["sk"].partition("#")
        if kind == "SHOPIFY_LOCATION":
            locations[int(value)] = item["location"]
        elif kind == "SKU":
            skus.add(item["sku"])
            variant_of_sku[item["sku"]] = _int_or_none(item.get("variant_id"))
        elif kind == "INVENTORY_ITEM":
            by_inventory_item[int(value)] = item["sku"]
        elif kind == "VARIANT":
            by_variant[int(value)] = VariantLevel(
                item["sku"], int(item["inventory_item_id"]), bool(item.get("tracked", True))
            )
    onboarded_at = config.get("onboarded_at")
    return MerchantView(
        shop=shop,
        primary_location=config.get("primary_location"),
        onboarded_at=datetime.fromisoformat(onboarded_at) if onboarded_at else None,
        locations_by_shopify_id=locations,
        known_skus=frozenset(skus),
        skus_by_inventory_item=by_inventory_item,
        levels_by_variant=by_variant,
        variant_of_sku=variant_of_sku,
    )
