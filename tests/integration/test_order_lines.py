"""Order lines through the simulator and moto server: two variants sharing one SKU are two levels, lines
that are not stock (gift card, untracked, custom) move nothing on either side, and the webhook path
and the reconciler's catch-up agree.

Shopify allows several variants with one SKU (the SKU is not unique:
https://shopify.dev/docs/api/admin-graphql/latest/objects/ProductVariant#field-sku); a line item names
its variant (`variant_id`, REST Order LineItem); a gift card line carries `gift_card: true`, an untracked
variant's line `variant_inventory_management: null`, and Shopify moves no inventory for either or for a
custom line (https://shopify.dev/docs/api/admin-rest/latest/resources/order).
"""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.movements import SkipReason
from inventory_ledger.domain.webhooks import Topic, WebhookEnvelope
from inventory_ledger.service.apply_webhook import ApplyResult, ShopifyReads, apply_envelope
from inventory_ledger.service.consume import consume_message
from inventory_ledger.service.reconcile import reconcile_shop
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.conftest import forget_cached_clients
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.simulated_merchant import SimulatedMerchant, align_simulator_clock, onboard
from tests.support.webhooks import sqs_event

pytestmark = pytest.mark.integration


@pytest.fixture
def local_aws(backend_aws: LocalResources) -> LocalResources:
    """Each shape here runs on both DynamoDB backends: moto server and DynamoDB Local."""
    return backend_aws


SHOP = "lines.myshopify.com"
TOKEN = "shpat_lines_test"


@pytest.fixture
def merchant(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> SimulatedMerchant:
    spec = {
        "domain": SHOP,
        "access_token": TOKEN,
        "plan": "plus",
        "locations": [{"name": "Main Warehouse", "primary": True}, {"name": "Store"}],
        "products": [
            {"title": "Tee", "variants": [{"sku": "TEE", "title": "Red"}, {"sku": "TEE", "title": "Blue"}]},
            {"title": "Gift card", "gift_card": True, "variants": [{"sku": "CARD", "tracked": False}]},
            {"title": "Bag", "variants": [{"sku": "BAG", "tracked": False}]},
            {"title": "Mug", "variants": [{"sku": "MUG"}]},
        ],
    }
    # Shopify's clock minutes ahead of ours (as an earlier test may leave the simulator's): every
    # instant a movement is compared on must then be Shopify's, as a real delivery's are.
    httpx.post(f"{shopify_simulator.base_url}/_control/clock/advance", json={"seconds": 120}, timeout=10)
    align_simulator_clock(shopify_simulator.base_url)
    response = httpx.post(f"{shopify_simulator.base_url}/_control/shops", json=spec, timeout=10)
    assert response.status_code == 201, response.text
    shop = SimulatedMerchant(SHOP, shopify_simulator, local_aws)
    for variant in shop.control("GET", "")["variants"]:
        for location in ("Main Warehouse", "Store"):
            level = {"inventory_item_id": variant["inventory_item_id"], "location": location, "available": 10}
            shop.control("POST", "/levels", level)
    local_aws.put_shop_secret(SHOP, ["whsec"], TOKEN)
    monkeypatch.setenv("SHOPIFY_ADMIN_URL_TEMPLATE", shopify_simulator.graphql_url_template)
    forget_cached_clients()
    onboard(shop)
    return shop


def tees(merchant: SimulatedMerchant) -> tuple[int, int]:
    items = [v["inventory_item_id"] for v in merchant.control("GET", "")["variants"] if v["sku"] == "TEE"]
    red, blue = sorted(items)
    return red, blue


def shopify_available(merchant: SimulatedMerchant, item_id: int, location: str) -> int:
    for level in merchant.control("GET", "/levels")["levels"]:
        if level["inventory_item_id"] == item_id and level["location_name"] == location:
            return int(level["quantities"]["available"])
    raise LookupError((item_id, location))


def deliver(merchant: SimulatedMerchant, topic: str) -> list[ApplyResult]:
    """The shop's events of one topic, each delivered twice (at Shopify's instant of the event, which
    X-Shopify-Triggered-At carries), as the consumer would apply them."""
    results = []
    for event in merchant.control("GET", "/events")["events"]:
        if event["topic"] != topic:
            continue
        for _ in range(2):
            envelope = WebhookEnvelope(
                topic=Topic(topic), shop_domain=SHOP, webhook_id=str(uuid.uuid4()), event_id=event["event_id"],
                triggered_at=datetime.fromtimestamp(event["triggered_at"], UTC), api_version="2026-07",
                received_at=datetime.now(UTC),
                body=event["body"],
            )  # fmt: skip
            # With Shopify's fulfilment orders, as the consumer: an order releases the moves waiting for it.
            reads = ShopifyReads(fulfillment_orders=bootstrap.shopify_fulfillment_orders_for)
            results.append(apply_envelope(envelope, bootstrap.ledger(), lambda: datetime.now(UTC), shopify=reads))
    return results


def ledger_level(sku: str, location: str) -> int:
    key = LevelKey(SHOP, location, sku)
    return bootstrap.ledger().balances([key])[key].quantity


def test_shared_sku_variants_are_two_levels_and_non_stock_lines_move_nothing(merchant: SimulatedMerchant) -> None:
    red, blue = tees(merchant)
    directory = bootstrap.merchant_directory()
    # Onboarding names each of the two items' levels: the plain SKU names neither.
    assert {f"TEE@{red}", f"TEE@{blue}", "CARD", "BAG", "MUG"} == set(directory.skus(SHOP))

    lines: list[dict[str, Any]] = [
        {"inventory_item_id": red, "quantity": 2},
        {"inventory_item_id": blue, "quantity": 1},
        {"sku": "CARD", "quantity": 1},
        {"sku": "BAG", "quantity": 1},
        {"custom_title": "Gift wrapping", "quantity": 1},
        {"sku": "MUG", "quantity": 3},
    ]
    placed = merchant.control("POST", "/orders", {"lines": lines, "location": "Store"})
    first, again = deliver(merchant, "orders/create")
    assert first.parked is None
    assert again.applied == []
    assert sorted(s.reason for s in first.skipped_lines) == sorted(
        [SkipReason.GIFT_CARD, SkipReason.UNTRACKED, SkipReason.CUSTOM_ITEM]
    )
    assert (ledger_level(f"TEE@{red}", "store"), ledger_level(f"TEE@{blue}", "store")) == (8, 9)
    assert (ledger_level("CARD", "store"), ledger_level("BAG", "store"), ledger_level("MUG", "store")) == (10, 10, 7)
    assert (shopify_available(merchant, red, "Store"), shopify_available(merchant, blue, "Store")) == (8, 9)

    # Ship the red tees, then cancel: only the blue tee and the mugs come back, each to its own level.
    red_line = next(li["id"] for li in placed["line_items"] if li["sku"] == "TEE" and li["quantity"] == 2)
    merchant.control("POST", f"/orders/{placed['id']}/fulfil", {"lines": [{"line_item_id": red_line, "quantity": 2}]})
    merchant.control("POST", f"/orders/{placed['id']}/cancel", {"restock": True})
    deliver(merchant, "orders/cancelled")
    deliver(merchant, "refunds/create")
    assert (ledger_level(f"TEE@{red}", "store"), ledger_level(f"TEE@{blue}", "store")) == (8, 10)
    assert ledger_level("MUG", "store") == 10
    assert (shopify_available(merchant, red, "Store"), shopify_available(merchant, blue, "Store")) == (8, 10)

    # The catch-up reads the same order from Shopify's GraphQL and finds nothing the webhooks missed;
    # every level agrees with Shopify.
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 0
    assert run.total("drifted") == 0
    assert run.rows == []
    assert [(p.topic, p.problems) for p in bootstrap.ledger().parked_events(SHOP)] == []


def test_an_order_delivered_only_through_the_catch_up_moves_the_same_levels(merchant: SimulatedMerchant) -> None:
    """Its webhook never comes: the catch-up applies it, by variant, with the same skips."""
    red, blue = tees(merchant)
    lines = [{"inventory_item_id": blue, "quantity": 2}, {"sku": "CARD", "quantity": 1}]
    merchant.control("POST", "/orders", {"lines": lines})  # online: the primary location
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 1
    assert (ledger_level(f"TEE@{red}", "main-warehouse"), ledger_level(f"TEE@{blue}", "main-warehouse")) == (10, 8)
    assert ledger_level("CARD", "main-warehouse") == 10
    assert run.total("drifted") == 0
    # Onboarding again keeps every level's name (and imports nothing twice).
    again = onboard(merchant)
    assert again.opening_balances == 0
    assert {f"TEE@{red}", f"TEE@{blue}"} <= set(bootstrap.merchant_directory().skus(SHOP))


def agree(merchant: SimulatedMerchant, location: str, ledger_location: str) -> dict[str, tuple[int, int]]:
    """Ledger and Shopify `available` of every mapped item at one location."""
    mapped = bootstrap.merchant_directory().skus(SHOP)
    return {sku: (ledger_level(sku, ledger_location), shopify_available(merchant, item, location))
            for sku, item in mapped.items()}  # fmt: skip


def test_an_order_edit_then_its_cancel_end_where_shopify_does(merchant: SimulatedMerchant) -> None:
    """orderEditCommit then orderCancel, their webhooks (orders/edited, orders/updated, orders/cancelled,
    refunds/create) delivered twice each: every level ends at Shopify's `available`
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/orderEditCommit)."""
    red, blue = tees(merchant)
    lines = [{"inventory_item_id": red, "quantity": 3}, {"sku": "MUG", "quantity": 1}]
    placed = merchant.control("POST", "/orders", {"lines": lines, "location": "Store"})
    red_line, mug_line = (li["id"] for li in placed["line_items"])
    deliver(merchant, "orders/create")
    edit = {"add": [{"inventory_item_id": blue, "quantity": 1}],
            "set": [{"line_item_id": red_line, "quantity": 1, "restock": True},
                    {"line_item_id": mug_line, "quantity": 2}]}  # fmt: skip
    merchant.control("POST", f"/orders/{placed['id']}/edits", edit)
    deliver(merchant, "orders/edited")
    deliver(merchant, "orders/updated")
    expected = {f"TEE@{red}": 9, f"TEE@{blue}": 9, "MUG": 8, "CARD": 10, "BAG": 10}
    assert {sku: pair[0] for sku, pair in agree(merchant, "Store", "store").items()} == expected
    assert all(ledger == shopify for ledger, shopify in agree(merchant, "Store", "store").values())

    merchant.control("POST", f"/orders/{placed['id']}/cancel", {"restock": True})
    deliver(merchant, "refunds/create")  # Shopify's cancel refund first, then the cancel
    deliver(merchant, "orders/cancelled")
    assert {sku: pair[0] for sku, pair in agree(merchant, "Store", "store").items()} == dict.fromkeys(expected, 10)
    assert all(ledger == shopify for ledger, shopify in agree(merchant, "Store", "store").values())
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 0
    assert run.total("drifted") == 0


def test_an_edit_whose_orders_updated_is_lost_is_completed_by_the_catch_up(merchant: SimulatedMerchant) -> None:
    """orders/edited names no variant for a line it created, and Shopify's orders/updated carries the
    order after the edit: with that lost, the removal applies from orders/edited at once and the added
    units come with the reconciler's catch-up (the order as Shopify holds it now), counted once."""
    red, blue = tees(merchant)
    placed = merchant.control("POST", "/orders", {"lines": [{"inventory_item_id": red, "quantity": 3}],
                                                  "location": "Store"})  # fmt: skip
    red_line = placed["line_items"][0]["id"]
    deliver(merchant, "orders/create")
    edit = {"add": [{"inventory_item_id": blue, "quantity": 2}],
            "set": [{"line_item_id": red_line, "quantity": 2, "restock": True}]}  # fmt: skip
    merchant.control("POST", f"/orders/{placed['id']}/edits", edit)
    deliver(merchant, "orders/edited")  # orders/updated never delivered
    assert ledger_level(f"TEE@{red}", "store") == shopify_available(merchant, red, "Store") == 8
    assert ledger_level(f"TEE@{blue}", "store") == 10
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 1
    assert ledger_level(f"TEE@{blue}", "store") == shopify_available(merchant, blue, "Store") == 8
    assert run.total("drifted") == 0
    assert bootstrap.ledger().parked_events(SHOP) == []
    deliver(merchant, "orders/updated")  # arriving after all: nothing counted twice
    assert ledger_level(f"TEE@{blue}", "store") == 8


def test_a_pos_exchange_restocks_the_returned_unit_and_takes_the_new_one_where_shopify_does(
    merchant: SimulatedMerchant,
) -> None:
    """A POS exchange since 2025-03 is a Return with exchange line items on the same order
    (https://shopify.dev/changelog/retail-exchanges-now-use-the-shopify-exchanges-implementation): the
    returned unit is restocked by its reverse fulfilment order's RESTOCKED disposition at the store
    (reverse_fulfillment_orders/dispose), not by the refund of the return (its `return` set: it moves
    nothing, even delivered first); the exchange item is a new line of the order, sold when the ledger
    reads the order (here the catch-up: returns/* are not consumed)."""
    red, blue = tees(merchant)
    placed = merchant.control("POST", "/orders", {"lines": [{"inventory_item_id": red, "quantity": 1}],
                                                  "location": "Store"})  # fmt: skip
    merchant.control("POST", f"/orders/{placed['id']}/fulfil", {})
    deliver(merchant, "orders/create")
    red_line = placed["line_items"][0]["id"]
    exchange = {"location": "Store", "returned": [{"line_item_id": red_line, "quantity": 1}],
                "exchange": [{"inventory_item_id": blue, "quantity": 1}]}  # fmt: skip
    merchant.control("POST", f"/orders/{placed['id']}/exchanges", exchange)
    assert [r.applied for r in deliver(merchant, "refunds/create")] == [[], []]
    assert ledger_level(f"TEE@{red}", "store") == 9
    disposed = deliver(merchant, "reverse_fulfillment_orders/dispose")
    assert [[e.kind.value for e in r.applied] for r in disposed] == [["return_restock"], []]
    assert ledger_level(f"TEE@{red}", "store") == shopify_available(merchant, red, "Store") == 10
    assert shopify_available(merchant, blue, "Store") == 9
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert ledger_level(f"TEE@{blue}", "store") == 9
    assert run.total("drifted") == 0
    assert run.catch_up["webhooks_missed"] == 1  # the exchange item, which no consumed topic carried


def test_an_online_order_shipped_from_a_store_ends_at_the_stores_level(merchant: SimulatedMerchant) -> None:
    """Shopify routes an online order to the first location that can fulfil it (the primary has none
    left) and ships it from there (https://shopify.dev/docs/apps/build/orders-fulfillment/order-routing-apps):
    the ledger takes it at the primary until the fulfilment (orders/updated) says where it shipped from."""
    merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 10}], "location": "Main Warehouse"})
    deliver(merchant, "orders/create")
    online = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 2}]})
    mug = bootstrap.merchant_directory().skus(SHOP)["MUG"]
    assert shopify_available(merchant, mug, "Store") == 8  # committed at the store, not the primary
    merchant.control("POST", f"/orders/{online['id']}/fulfil", {})
    deliver(merchant, "orders/create")
    deliver(merchant, "orders/updated")
    assert ledger_level("MUG", "main-warehouse") == shopify_available(merchant, mug, "Main Warehouse") == 0
    assert ledger_level("MUG", "store") == shopify_available(merchant, mug, "Store") == 8
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 0
    assert run.total("drifted") == 0


def deliver_moves(merchant: SimulatedMerchant, body: str | None = None) -> list[ApplyResult]:
    """fulfillment_orders/moved as the consumer takes it off the queue (each event twice): the moved
    fulfilment order read from the simulator's GraphQL `fulfillmentOrder(id:)`, then applied."""
    results = []
    # X-Shopify-Triggered-At is Shopify's clock (the simulator's): the move's instant against the import's.
    bodies = [(body, datetime.now(UTC))] if body is not None else [
        (e["body"], datetime.fromtimestamp(e["triggered_at"], UTC))
        for e in merchant.control("GET", "/events")["events"] if e["topic"] == "fulfillment_orders/moved"
    ]  # fmt: skip
    for raw, triggered_at in bodies:
        event_id = str(uuid.uuid4())
        for _ in range(2):
            envelope = WebhookEnvelope(
                topic=Topic.FULFILLMENT_ORDERS_MOVED, shop_domain=SHOP, webhook_id=str(uuid.uuid4()),
                event_id=event_id, triggered_at=triggered_at, api_version="2026-07",
                received_at=datetime.now(UTC), body=raw,
            )  # fmt: skip
            results.append(
                consume_message(envelope.model_dump_json(), event_id, bootstrap.ledger(), lambda: datetime.now(UTC),
                                fulfillment_orders=bootstrap.shopify_fulfillment_orders_for)
            )  # fmt: skip
    return results


def both_levels(merchant: SimulatedMerchant, item_id: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(ledger, Shopify) available of the item at (Main Warehouse, Store)."""
    ledger = (ledger_level("MUG", "main-warehouse"), ledger_level("MUG", "store"))
    return ledger, (
        shopify_available(merchant, item_id, "Main Warehouse"),
        shopify_available(merchant, item_id, "Store"),
    )


def test_an_online_order_moved_to_a_store_is_followed_at_once_and_then_shipped_there(
    merchant: SimulatedMerchant,
) -> None:
    """The merchant moves the fulfilment order from the primary to the store: Shopify releases the
    committed units at the primary and commits them at the store
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentOrderMove). The consumer
    reads the moved fulfilment order (the webhook names no order) and moves the units at once, back at
    the primary and out at the store; a duplicate delivery changes nothing; the shipment from the store
    then moves nothing more, and nothing drifts."""
    mug = bootstrap.merchant_directory().skus(SHOP)["MUG"]
    online = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 2}]})
    deliver(merchant, "orders/create")
    assert both_levels(merchant, mug) == ((8, 10), (8, 10))  # routed to the primary
    moved = merchant.control("POST", f"/orders/{online['id']}/move", {"location": "Store"})["moved"]
    assert both_levels(merchant, mug)[1] == (10, 8)
    first, duplicate = deliver_moves(merchant)
    assert [(e.key.location, e.kind.value, e.quantity) for e in first.applied] == [
        ("main-warehouse", "transfer_in", 2),
        ("store", "transfer_out", -2),
    ]
    fo_id = moved[0]["moved_fulfillment_order"]["id"].rsplit("/", 1)[1]
    line_id = online["line_items"][0]["id"]
    assert first.applied[1].entry_id == f"order/{online['id']}/line/{line_id}/moved/{fo_id}/1/out"
    assert duplicate.applied == []
    assert duplicate.parked is None
    assert both_levels(merchant, mug) == ((10, 8), (10, 8))
    merchant.control("POST", f"/orders/{online['id']}/fulfil", {})
    assert [r.applied for r in deliver(merchant, "orders/updated")] == [[], []]  # shipped where it is held
    assert both_levels(merchant, mug) == ((10, 8), (10, 8))
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 0
    assert run.total("drifted") == 0


def test_an_online_order_moved_to_a_store_then_cancelled_is_released_at_the_store(
    merchant: SimulatedMerchant,
) -> None:
    """Moved, then cancelled before it ships: Shopify releases the units at the store, and so does the
    ledger (the line is held there since the move), by the cancel and Shopify's `cancel` refund once."""
    mug = bootstrap.merchant_directory().skus(SHOP)["MUG"]
    online = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 3}]})
    deliver(merchant, "orders/create")
    merchant.control("POST", f"/orders/{online['id']}/move", {"location": "Store"})
    deliver_moves(merchant)
    assert both_levels(merchant, mug) == ((10, 7), (10, 7))
    merchant.control("POST", f"/orders/{online['id']}/cancel", {"restock": True})
    cancelled = deliver(merchant, "orders/cancelled") + deliver(merchant, "refunds/create")
    assert {e.key.location for r in cancelled for e in r.applied if e.quantity} == {"store"}
    assert both_levels(merchant, mug) == ((10, 10), (10, 10))
    assert deliver_moves(merchant)[0].applied == []  # a late redelivery of the move: closed, nothing moves
    assert run_drifted() == 0


def run_drifted() -> int:
    return reconcile_shop(SHOP, bootstrap.reconcile_dependencies()).total("drifted")


def test_a_move_of_an_order_the_ledger_has_not_seen_waits_for_it(merchant: SimulatedMerchant) -> None:
    """As a refund that beats its order: the move is parked waiting for the order and applied as soon as
    the order's first body reaches the ledger (reading the fulfilment order again then)."""
    mug = bootstrap.merchant_directory().skus(SHOP)["MUG"]
    online = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 2}]})
    merchant.control("POST", f"/orders/{online['id']}/move", {"location": "Store"})
    waiting = deliver_moves(merchant)
    assert all(r.parked is not None and r.parked.is_waiting for r in waiting)
    assert both_levels(merchant, mug) == ((10, 10), (10, 8))
    created = deliver(merchant, "orders/create")
    assert [len(r.applied) for r in created[0].released] == [2]
    assert both_levels(merchant, mug) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert run_drifted() == 0


def test_a_malformed_or_unknown_move_is_parked_with_its_reason(merchant: SimulatedMerchant) -> None:
    [malformed, _] = deliver_moves(merchant, '{"moved_fulfillment_order": {"id": 1.5}}')
    assert malformed.parked is not None
    assert malformed.parked.problems[0].kind is ProblemKind.INVALID_PAYLOAD
    assert "original_fulfillment_order" in str(malformed.parked.problems[0])
    unknown = {
        "original_fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/999", "status": "open"},
        "moved_fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/999", "status": "open"},
    }
    [missing, _] = deliver_moves(merchant, json.dumps(unknown))
    assert missing.parked is not None
    assert "Shopify has no fulfilment order" in str(missing.parked.problems[0])


def test_a_line_shipped_in_part_before_its_move_ends_right_whichever_body_comes_first(
    merchant: SimulatedMerchant,
) -> None:
    """One unit ships from the primary, then the merchant moves the other two to the store (Shopify
    splits the fulfilment order: the shipped unit stays with the closed original). The move carries
    every unit the line holds and the read's shipments give the shipped one back to the primary; the
    shipment's own body, delivered after the move, finds that applied."""
    mug = bootstrap.merchant_directory().skus(SHOP)["MUG"]
    online = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 3}]})
    line = online["line_items"][0]["id"]
    merchant.control("POST", f"/orders/{online['id']}/fulfil", {"lines": [{"line_item_id": line, "quantity": 1}]})
    merchant.control("POST", f"/orders/{online['id']}/move", {"location": "Store"})
    assert both_levels(merchant, mug)[1] == (9, 8)
    deliver(merchant, "orders/create")
    deliver_moves(merchant)
    assert both_levels(merchant, mug) == ((9, 8), (9, 8))
    assert [r.applied for r in deliver(merchant, "orders/updated")] == [[], []]
    assert both_levels(merchant, mug) == ((9, 8), (9, 8))
    merchant.control("POST", f"/orders/{online['id']}/fulfil", {})
    deliver(merchant, "orders/updated")
    assert both_levels(merchant, mug) == ((9, 8), (9, 8))
    assert run_drifted() == 0


def test_the_consumers_handler_reads_the_fulfilment_order_for_a_move_in_a_batch(merchant: SimulatedMerchant) -> None:
    """Through ledger_consumer's Lambda handler (SQS batch, partial responses): a batch holding the
    move before its order parks the move waiting, and the order, applied next, releases it reading the
    fulfilment order with the shop's credentials; the same batch again changes nothing."""
    mug = bootstrap.merchant_directory().skus(SHOP)["MUG"]
    online = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 2}]})
    merchant.control("POST", f"/orders/{online['id']}/move", {"location": "Store"})
    events = {e["topic"]: e for e in merchant.control("GET", "/events")["events"]}
    messages = [
        WebhookEnvelope(
            topic=Topic(topic), shop_domain=SHOP, webhook_id=str(uuid.uuid4()), event_id=events[topic]["event_id"],
            triggered_at=datetime.fromtimestamp(events[topic]["triggered_at"], UTC), api_version="2026-07",
            received_at=datetime.now(UTC),
            body=events[topic]["body"],
        ).model_dump_json()
        for topic in ("fulfillment_orders/moved", "orders/create")
    ]  # fmt: skip
    consumer = load_handler("ledger_consumer")
    for _ in range(2):
        assert consumer.lambda_handler(sqs_event(messages), FakeLambdaContext()) == {"batchItemFailures": []}
        assert both_levels(merchant, mug) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []


def test_a_move_waiting_for_an_order_only_the_catch_up_brings_is_released_by_it(merchant: SimulatedMerchant) -> None:
    """The order's webhooks are lost; the reconciler's catch-up applies the order and releases the move
    that waited for it, reading the fulfilment order with the same shop's client."""
    mug = bootstrap.merchant_directory().skus(SHOP)["MUG"]
    online = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 2}]})
    merchant.control("POST", f"/orders/{online['id']}/move", {"location": "Store"})
    assert all(r.parked is not None and r.parked.is_waiting for r in deliver_moves(merchant))
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 1
    assert both_levels(merchant, mug) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert run.total("drifted") == 0
