"""Which level an order line moves: by variant, not by SKU; lines that are not stock are skipped and
counted; a line's own fulfilment status is honoured on cancel (docs/ledger.md "Which level a line moves").

Payload fields are Shopify's REST LineItem (https://shopify.dev/docs/api/admin-rest/latest/resources/order):
`variant_id`, `gift_card`, `product_exists`, `variant_inventory_management` ("shopify" when tracked,
null when not), `fulfillment_status` (null, partial, fulfilled).
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.movements import SkipReason
from inventory_ledger.domain.onboarding import ShopifyVariant, level_skus
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.apply_webhook import ApplyResult, apply_envelope
from inventory_ledger.service.consume import record_result
from tests.support.fake_ledger import InMemoryLedger
from tests.support.shopify_payloads import BIG, envelope, order, refund

SHOP = "demo-shop.myshopify.com"
STORE = BIG + 50
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "reference/shopify/payloads/rest-resource-examples-shopify-app-js-2026-07/order_get_450789469.json"
)
# Two variants (a red and a blue tee) sharing SKU TEE, each its own inventory item and level.
RED, BLUE = (BIG + 1, BIG + 11), (BIG + 2, BIG + 12)  # (variant id, inventory item id)
RED_LEVEL, BLUE_LEVEL = f"TEE@{RED[1]}", f"TEE@{BLUE[1]}"
GIFT, UNTRACKED = (BIG + 3, BIG + 13), (BIG + 4, BIG + 14)


def now() -> datetime:
    return NOW


def merchant() -> InMemoryLedger:
    ledger = InMemoryLedger(SHOP, primary_location="warehouse", locations={STORE: "store"}, skus={"MUG"})
    ledger.map_variant(RED_LEVEL, RED[1], RED[0])
    ledger.map_variant(BLUE_LEVEL, BLUE[1], BLUE[0])
    ledger.map_variant("CARD", GIFT[1], GIFT[0])
    ledger.map_variant("BAG", UNTRACKED[1], UNTRACKED[0], tracked=False)
    return ledger


def line(line_id: int, variant_id: int | None, sku: str | None, quantity: int, **fields: Any) -> dict[str, Any]:
    return {"id": line_id, "sku": sku, "variant_id": variant_id, "quantity": quantity,
            "variant_inventory_management": "shopify", "gift_card": False, "product_exists": True,
            "fulfillment_status": None, **fields}  # fmt: skip


def body(order_id: int, lines: list[dict[str, Any]], *, cancelled: bool = False, **fields: Any) -> dict[str, Any]:
    base = order(order_id, [], location_id=STORE, cancelled=cancelled)
    return {**base, "line_items": lines, **fields}


def deliver(ledger: InMemoryLedger, topic: Topic, payload: dict[str, Any], event_id: str) -> ApplyResult:
    return apply_envelope(envelope(topic, payload, shop=SHOP, event_id=event_id), ledger, now)


def level(ledger: InMemoryLedger, sku: str, location: str = "store") -> int:
    balance = ledger.balance_by_key.get(LevelKey(SHOP, location, sku))
    return balance.quantity if balance else 0


def test_two_variants_sharing_a_sku_move_their_own_levels() -> None:
    ledger = merchant()
    deliver(ledger, Topic.ORDERS_CREATE, body(BIG + 100, [line(BIG + 101, RED[0], "TEE", 2),
                                                          line(BIG + 102, BLUE[0], "TEE", 1)]), "e1")  # fmt: skip
    assert (level(ledger, RED_LEVEL), level(ledger, BLUE_LEVEL)) == (-2, -1)
    assert LevelKey(SHOP, "store", "TEE") not in ledger.balance_by_key


def test_an_unknown_variant_falls_back_to_its_sku_only_when_the_sku_is_nobody_elses() -> None:
    ledger = merchant()
    # MUG was mapped by SKU alone (no variant known): an unknown variant with that SKU is that level.
    deliver(ledger, Topic.ORDERS_CREATE, body(BIG + 100, [line(BIG + 101, BIG + 999, "MUG", 1)]), "e1")
    assert level(ledger, "MUG") == -1
    # The plain SKU TEE names no level (two items share it): a third variant cannot be placed.
    result = deliver(ledger, Topic.ORDERS_CREATE, body(BIG + 200, [line(BIG + 201, BIG + 998, "TEE", 1)]), "e2")
    assert result.parked is not None
    assert [p.kind for p in result.parked.problems] == [ProblemKind.UNMAPPED_SKU]
    # A SKU level mapped from another variant is not taken over by an unknown variant that carries it.
    ledger.map_variant("CAP", BIG + 21, BIG + 20)
    result = deliver(ledger, Topic.ORDERS_CREATE, body(BIG + 300, [line(BIG + 301, BIG + 997, "CAP", 1)]), "e3")
    assert result.parked is not None
    assert "variant" in str(result.parked.problems[0])
    assert level(ledger, "CAP") == 0


def test_gift_cards_untracked_items_and_custom_lines_are_skipped_with_their_reason() -> None:
    ledger = merchant()
    lines = [
        line(BIG + 101, GIFT[0], "CARD", 1, gift_card=True, requires_shipping=False),
        line(BIG + 102, UNTRACKED[0], "BAG", 1),  # untracked as mapped at onboarding
        line(BIG + 103, BIG + 555, "MUG", 1, variant_inventory_management=None),  # untracked per the payload
        line(BIG + 104, None, None, 1, product_exists=False),  # a custom line
        line(BIG + 105, BIG + 556, None, 1),  # a variant without a SKU: never mapped
        line(BIG + 106, RED[0], "TEE", 1),
    ]
    result = deliver(ledger, Topic.ORDERS_CREATE, body(BIG + 100, lines), "e1")
    assert result.parked is None
    assert [(s.line_item_id, s.reason) for s in result.skipped_lines] == [
        (BIG + 101, SkipReason.GIFT_CARD), (BIG + 102, SkipReason.UNTRACKED), (BIG + 103, SkipReason.UNTRACKED),
        (BIG + 104, SkipReason.CUSTOM_ITEM), (BIG + 105, SkipReason.NO_SKU),
    ]  # fmt: skip
    assert [str(e.key) for e in result.applied] == [f"{SHOP}/store/{RED_LEVEL}"]
    assert (level(ledger, "CARD"), level(ledger, "BAG"), level(ledger, "MUG")) == (0, 0, 0)
    # A returned gift card is skipped too, instead of waiting for a sale that will never be recorded.
    returned = refund(BIG + 900, BIG + 100, [(BIG + 901, BIG + 101, 1, "return", STORE, "CARD")])
    returned["refund_line_items"][0]["line_item"] |= {"gift_card": True, "variant_id": GIFT[0]}
    result = deliver(ledger, Topic.REFUNDS_CREATE, returned, "e2")
    assert result.parked is None
    assert [s.reason for s in result.skipped_lines] == [SkipReason.GIFT_CARD]


def test_a_line_fulfilled_on_the_line_but_absent_from_fulfillments_is_not_restocked_on_cancel() -> None:
    """REST LineItem.fulfillment_status `fulfilled` says every unit shipped, whatever fulfillments[] lists."""
    sample = json.loads(SAMPLE.read_text())["order"]
    ledger = InMemoryLedger(SHOP, primary_location="warehouse", locations={},
                            skus={"IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"})  # fmt: skip
    deliver(ledger, Topic.ORDERS_CREATE, sample, "e1")
    cancelled = {**sample, "cancelled_at": "2026-11-23T09:00:00+00:00", "fulfillments": []}
    cancelled["line_items"] = [
        {**li, "fulfillment_status": "fulfilled" if li["sku"] == "IPOD2008RED" else None} for li in sample["line_items"]
    ]
    deliver(ledger, Topic.ORDERS_CANCELLED, cancelled, "e2")
    assert level(ledger, "IPOD2008RED", "warehouse") == -1  # shipped: stays out
    assert level(ledger, "IPOD2008GREEN", "warehouse") == 0  # open: back on the shelf


def test_a_line_keeps_the_level_it_was_sold_from_when_its_variant_is_gone() -> None:
    """A product deleted after the sale: its lines come back with variant_id null and product_exists false."""
    ledger = merchant()
    deliver(ledger, Topic.ORDERS_CREATE, body(BIG + 100, [line(BIG + 101, RED[0], "TEE", 2)]), "e1")
    gone = line(BIG + 101, None, "TEE", 2, product_exists=False, variant_inventory_management=None)
    result = deliver(ledger, Topic.ORDERS_CANCELLED, body(BIG + 100, [gone], cancelled=True), "e2")
    assert level(ledger, RED_LEVEL) == 0
    assert result.skipped_lines == []


# -- properties ---------------------------------------------------------------------------------

VARIANTS = {"red": (RED, RED_LEVEL), "blue": (BLUE, BLUE_LEVEL), "gift": (GIFT, "CARD"), "bag": (UNTRACKED, "BAG")}


@st.composite
def orders(draw: st.DrawFn) -> list[tuple[str, int, int, bool]]:
    """Lines as (variant, quantity, shipped, shipped shows on the line only)."""
    count = draw(st.integers(1, 5))
    drawn = []
    for _ in range(count):
        quantity = draw(st.integers(1, 4))
        drawn.append((draw(st.sampled_from(sorted(VARIANTS))), quantity, draw(st.integers(0, quantity)),
                      draw(st.booleans())))  # fmt: skip
    return drawn


@settings(max_examples=150, deadline=None)
@given(lines=orders(), cancel=st.booleans(), deliveries=st.lists(st.integers(0, 1), min_size=1, max_size=5),
       cancel_first=st.booleans())  # fmt: skip
def test_any_delivery_of_shared_sku_orders_ends_at_each_variants_own_level(
    lines: list[tuple[str, int, int, bool]], cancel: bool, deliveries: list[int], cancel_first: bool
) -> None:
    ledger = merchant()
    order_id = BIG + 1000
    payload_lines, fulfilled, expected = [], [], {"red": 0, "blue": 0}
    for n, (variant, quantity, shipped, on_line_only) in enumerate(lines):
        (variant_id, _), _ = VARIANTS[variant]
        line_id = BIG + 2000 + n
        whole = shipped == quantity and on_line_only
        status = "fulfilled" if whole else None
        sku = "CARD" if variant == "gift" else "TEE"
        payload_lines.append(
            line(line_id, variant_id, sku, quantity, gift_card=variant == "gift", fulfillment_status=status)
        )
        if shipped and not whole:
            fulfilled.append({"id": line_id, "quantity": shipped})
        if variant in expected:
            expected[variant] -= quantity - ((quantity - shipped) if cancel else 0)
    fulfillments = [{"id": BIG + 3000, "location_id": STORE, "status": "success", "line_items": fulfilled}]
    created = body(order_id, payload_lines)
    events = [(Topic.ORDERS_CREATE, created)]
    if cancel:
        cancelled = body(order_id, payload_lines, cancelled=True, fulfillments=fulfillments if fulfilled else [])
        events.insert(0 if cancel_first else 1, (Topic.ORDERS_CANCELLED, cancelled))
    for repeat, pick in enumerate(deliveries):
        topic, payload = events[min(pick, len(events) - 1)]
        deliver(ledger, topic, payload, f"e{repeat}")
    for topic, payload in events:  # every event at least once
        deliver(ledger, topic, payload, f"last-{topic}")
    assert (level(ledger, RED_LEVEL), level(ledger, BLUE_LEVEL)) == (expected["red"], expected["blue"])
    assert (level(ledger, "CARD"), level(ledger, "BAG"), level(ledger, "TEE")) == (0, 0, 0)
    assert all(state.restocked <= state.sold for state in ledger.lines.values())


def variant_lists() -> st.SearchStrategy[list[ShopifyVariant]]:
    skus = st.sampled_from(["TEE", "MUG", "TEE@7", None])
    return st.lists(
        st.builds(ShopifyVariant, skus, st.integers(1, 12), st.integers(100, 200)),
        max_size=10,
        unique_by=lambda v: v.inventory_item_id,
    )


@settings(max_examples=300, deadline=None)
@given(variants=variant_lists(), earlier=variant_lists())
def test_level_names_are_one_to_one_keep_earlier_names_and_are_plain_for_a_lone_sku(
    variants: list[ShopifyVariant], earlier: list[ShopifyVariant]
) -> None:
    mapped, _ = level_skus(earlier, {})
    by_name = {name: item for item, name in mapped.items()}
    names, skipped = level_skus(variants, by_name)
    taken = {**by_name}
    for item, name in names.items():
        assert taken.setdefault(name, item) == item, "two inventory items on one level"
        if item in mapped:
            assert name == mapped[item], "an item mapped before was renamed"
    for variant in variants:
        if variant.sku and variant.inventory_item_id not in names:
            assert skipped, "an item neither named nor reported"
        lone = [v for v in variants if v.sku == variant.sku]
        others = {name for item, name in names.items() if item != variant.inventory_item_id} | by_name.keys()
        if variant.sku and len(lone) == 1 and variant.inventory_item_id not in mapped and variant.sku not in others:
            assert names.get(variant.inventory_item_id) == variant.sku


def test_skipped_lines_are_counted_by_reason_in_a_metric(capsys: pytest.CaptureFixture[str]) -> None:
    result = deliver(merchant(), Topic.ORDERS_CREATE, body(BIG + 100, [
        line(BIG + 101, GIFT[0], "CARD", 1, gift_card=True), line(BIG + 102, UNTRACKED[0], "BAG", 2),
        line(BIG + 103, BIG + 9, "BAG", 1, variant_inventory_management=None),
    ]), "e1")  # fmt: skip
    capsys.readouterr()
    record_result(result)
    emitted = [json.loads(text) for text in capsys.readouterr().out.splitlines() if '"_aws"' in text]
    counts = {m["reason"]: m["LinesSkipped"] for m in emitted if "LinesSkipped" in m}
    assert counts == {"gift_card": [1.0], "untracked": [2.0]}
