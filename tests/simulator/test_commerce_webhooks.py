"""Shopify's side: each control action moves quantities as Shopify does and sends its webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

from inventory_ledger.adapters.shopify import documents
from shopify_simulator.delivery import RETRY_SCHEDULE_S

from .conftest import SECRET, Sink, Store, wait_until

TOPICS = ("orders/create", "orders/cancelled", "refunds/create", "inventory_levels/update")


def subscribe(store: Store, sink: Sink, topics: tuple[str, ...] = TOPICS) -> None:
    for topic in topics:
        store.control("POST", "/webhooks", {"topic": topic, "address": sink.url})


def test_pos_order_commits_at_its_location_and_fulfilment_takes_on_hand(store: Store) -> None:
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 2}], "location": "Retail"})
    assert order["location_id"] == store.control("GET", "")["locations"][2]["id"]
    assert order["source_name"] == "pos"
    assert (store.qty("TEE-1", "Retail"), store.qty("TEE-1", "Retail", "committed")) == (2, 2)
    assert store.qty("TEE-1", "Retail", "on_hand") == 4
    store.control("POST", f"/orders/{order['id']}/fulfil", {})
    assert (store.qty("TEE-1", "Retail", "committed"), store.qty("TEE-1", "Retail", "on_hand")) == (0, 2)


def test_online_order_routes_to_first_location_with_stock(store: Store) -> None:
    # Shop location (primary) has no TEE-1; Warehouse has 10; Retail does not fulfil online.
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 3}]})
    assert order["location_id"] is None
    assert order["source_name"] == "web"
    assert store.qty("TEE-1", "Warehouse") == 7
    assert store.qty("TEE-1", "Warehouse", "committed") == 3
    assert store.qty("TEE-1", "Retail") == 4


def test_cancel_restock_and_no_restock(store: Store) -> None:
    a = store.control("POST", "/orders", {"lines": [{"sku": "MUG-1", "quantity": 2}]})
    store.control("POST", f"/orders/{a['id']}/cancel", {"restock": True})
    assert (store.qty("MUG-1", "Shop location"), store.qty("MUG-1", "Shop location", "committed")) == (7, 0)
    b = store.control("POST", "/orders", {"lines": [{"sku": "MUG-1", "quantity": 2}]})
    cancelled = store.control("POST", f"/orders/{b['id']}/cancel", {"restock": False})
    assert cancelled["cancelled_at"] is not None
    assert cancelled["refunds"][0]["refund_line_items"][0]["restock_type"] == "no_restock"
    assert (store.qty("MUG-1", "Shop location"), store.qty("MUG-1", "Shop location", "on_hand")) == (5, 5)


def test_refund_restock_types(store: Store) -> None:
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 4}], "location": "Warehouse"})
    line = order["line_items"][0]["id"]
    store.control("POST", f"/orders/{order['id']}/fulfil", {"lines": [{"line_item_id": line, "quantity": 2}]})
    assert (store.qty("TEE-1", "Warehouse"), store.qty("TEE-1", "Warehouse", "committed")) == (6, 2)
    cancel = store.control(
        "POST",
        f"/orders/{order['id']}/refunds",
        {"lines": [{"line_item_id": line, "quantity": 1, "restock_type": "cancel"}]},
    )
    assert cancel["refund_line_items"][0]["location_id"] is not None
    assert (store.qty("TEE-1", "Warehouse"), store.qty("TEE-1", "Warehouse", "committed")) == (7, 1)
    retail = store.control("GET", "")["locations"][2]["id"]
    store.control(
        "POST",
        f"/orders/{order['id']}/refunds",
        {"lines": [{"line_item_id": line, "quantity": 1, "restock_type": "return", "location_id": retail}]},
    )
    assert store.qty("TEE-1", "Retail") == 5
    none = store.control(
        "POST",
        f"/orders/{order['id']}/refunds",
        {"lines": [{"line_item_id": line, "quantity": 1, "restock_type": "no_restock"}]},
    )
    assert none["refund_line_items"][0]["location_id"] is None
    assert (store.qty("TEE-1", "Warehouse"), store.qty("TEE-1", "Warehouse", "committed")) == (7, 0)


def test_admin_edit_sets_available_and_levels_read_back(store: Store) -> None:
    store.control("POST", "/admin/levels", {"sku": "TEE-2", "location": "Shop location", "available": 9})
    levels = store.control("GET", "/levels")["levels"]
    tee2 = next(lv for lv in levels if lv["sku"] == "TEE-2")
    assert tee2["quantities"]["available"] == 9
    assert tee2["quantities"]["on_hand"] == 9


def test_levels_say_when_a_quantity_last_changed(store: Store) -> None:
    # The drain benchmark times a backlog by the last level Shopify wrote, read from here.
    def changed_at(sku: str) -> float:
        levels = store.control("GET", "/levels")["levels"]
        return next(lv["changed_at"] for lv in levels if (lv["sku"], lv["location_name"]) == (sku, "Shop location"))

    before = changed_at("TEE-2")
    store.server.sim.advance(60)
    store.control("POST", "/admin/levels", {"sku": "TEE-2", "location": "Shop location", "available": 9})
    assert changed_at("TEE-2") == before + 60


def _verify(raw: bytes, signature: str) -> bool:
    expected = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature)


def test_webhook_signed_with_exact_ids(store: Store, sink: Sink) -> None:
    subscribe(store, sink)
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 1}], "location": "Retail"})
    wait_until(lambda: sink.of("orders/create") and sink.of("inventory_levels/update"))
    delivery = sink.of("orders/create")[0]
    headers = delivery["headers"]
    assert _verify(delivery["raw"], headers["X-Shopify-Hmac-Sha256"])
    assert not _verify(delivery["raw"] + b" ", headers["X-Shopify-Hmac-Sha256"])
    assert headers["X-Shopify-Shop-Domain"] == store.domain
    assert headers["X-Shopify-Api-Version"] == "2026-07"
    assert headers["Content-Type"] == "application/json"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*Z", headers["X-Shopify-Triggered-At"])
    body = json.loads(delivery["raw"])
    assert body["id"] == order["id"] > 2**53
    assert str(order["id"]).encode() in delivery["raw"]  # the exact digits, not a float rendering
    assert body["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}"
    assert float(body["id"]) != body["id"] or body["id"] % 2**8 == 0  # a double cannot hold it
    level = sink.bodies("inventory_levels/update")[0]
    assert level["available"] == 3
    assert level["inventory_item_id"] > 2**53


def test_duplicated_delivery_same_event_new_webhook_ids(store: Store, sink: Sink) -> None:
    subscribe(store, sink, ("orders/create",))
    store.control("PUT", "/delivery", {"duplicate": 2})
    store.control("POST", "/orders", {"lines": [{"sku": "MUG-1", "quantity": 1}]})
    deliveries = wait_until(lambda: len(sink.of("orders/create")) == 3 and sink.of("orders/create"))
    assert len({d["headers"]["X-Shopify-Event-Id"] for d in deliveries}) == 1
    assert len({d["headers"]["X-Shopify-Webhook-Id"] for d in deliveries}) == 3


def test_hold_and_reorder(store: Store, sink: Sink) -> None:
    subscribe(store, sink, ("orders/create",))
    store.control("PUT", "/delivery", {"hold": True})
    ids = [store.control("POST", "/orders", {"lines": [{"sku": "MUG-1", "quantity": 1}]})["id"] for _ in range(6)]
    assert store.control("GET", "/deliveries")["held"] == 6
    assert not sink.received
    store.control("POST", "/delivery/flush", {"shuffle_seed": 7})
    wait_until(lambda: len(sink.of("orders/create")) == 6)
    got = [b["id"] for b in sink.bodies("orders/create")]
    assert sorted(got) == sorted(ids)
    assert got != ids


def test_flush_newest_first(store: Store, sink: Sink) -> None:
    subscribe(store, sink, ("orders/create",))
    store.control("PUT", "/delivery", {"hold": True})
    ids = [store.control("POST", "/orders", {"lines": [{"sku": "MUG-1", "quantity": 1}]})["id"] for _ in range(3)]
    store.control("POST", "/delivery/flush", {"reverse": True})
    wait_until(lambda: len(sink.of("orders/create")) == 3)
    assert [b["id"] for b in sink.bodies("orders/create")] == ids[::-1]


def test_delayed_delivery_waits_for_the_clock(store: Store, sink: Sink) -> None:
    subscribe(store, sink, ("orders/create",))
    store.control("PUT", "/delivery", {"delay_s": 3600})
    store.control("POST", "/orders", {"lines": [{"sku": "MUG-1", "quantity": 1}]})
    assert store.server.sim.delivery.pending_count() == 1
    assert not sink.received
    store.server.sim.advance(3600)
    wait_until(lambda: sink.of("orders/create"))


def test_retry_on_failure_with_shopify_schedule(store: Store, sink: Sink) -> None:
    subscribe(store, sink, ("orders/create",))
    sink.statuses.extend([500, 503])
    store.control("POST", "/orders", {"lines": [{"sku": "MUG-1", "quantity": 1}]})
    # Advance only once the attempt is recorded (and its retry scheduled on the clock).
    wait_until(lambda: len(store.control("GET", "/deliveries")["attempts"]) == 1)
    store.server.sim.advance(RETRY_SCHEDULE_S[0])
    wait_until(lambda: len(store.control("GET", "/deliveries")["attempts"]) == 2)
    store.server.sim.advance(RETRY_SCHEDULE_S[1])
    # The attempt is recorded after the receiver answers: wait for the record, not the receiver.
    wait_until(lambda: len(store.control("GET", "/deliveries")["attempts"]) == 3)
    attempts = store.control("GET", "/deliveries")["attempts"]
    assert [a["status_code"] for a in attempts] == [500, 503, 200]
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert len({a["event_id"] for a in attempts}) == 1
    assert len({d["raw"] for d in sink.received}) == 1  # retries carry the original payload
    assert abs(sum(RETRY_SCHEDULE_S) - 4 * 3600) < 1e-6
    assert len(RETRY_SCHEDULE_S) == 8


def test_an_order_edit_commits_added_units_releases_removed_ones_and_sends_orders_edited(
    store: Store, sink: Sink
) -> None:
    """orderEditCommit: only open units are edited; removed units go back to available when restocked
    (orderEditSetQuantity `restock`), the line keeps its `quantity` and loses `current_quantity`.
    orders/edited carries the edit (line_items.additions/removals as {id, delta}), not the order
    (https://shopify.dev/docs/api/admin-rest/latest/resources/webhook, topic orders/edited); orders/updated
    follows with the order."""
    subscribe(store, sink, ("orders/edited", "orders/updated"))
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 3}], "location": "Retail"})
    line = order["line_items"][0]["id"]
    assert store.qty("TEE-1", "Retail") == 1
    edit = {"add": [{"sku": "MUG-1", "quantity": 1}], "set": [{"line_item_id": line, "quantity": 1, "restock": True}]}
    body = store.control("POST", f"/orders/{order['id']}/edits", edit)
    changes = body["order_edit"]["line_items"]
    assert body["order_edit"]["order_id"] == order["id"]
    assert changes["removals"] == [{"id": line, "delta": 2}]
    (added,) = changes["additions"]
    assert added["delta"] == 1
    assert (store.qty("TEE-1", "Retail"), store.qty("TEE-1", "Retail", "committed")) == (3, 1)
    assert store.qty("MUG-1", "Retail", "committed") == 1  # committed where the order's units are
    wait_until(lambda: sink.of("orders/edited") and sink.of("orders/updated"))
    assert sink.of("orders/edited")[0]["headers"]["X-Shopify-Topic"] == "orders/edited"
    (updated,) = sink.bodies("orders/updated")
    tee = next(li for li in updated["line_items"] if li["id"] == line)
    assert (tee["quantity"], tee["current_quantity"], tee["fulfillable_quantity"]) == (3, 1, 1)
    assert any(li["id"] == added["id"] and li["sku"] == "MUG-1" for li in updated["line_items"])
    # Without restock the removed unit leaves committed and is gone; shipped units cannot be edited.
    store.control(
        "POST", f"/orders/{order['id']}/edits", {"set": [{"line_item_id": line, "quantity": 0, "restock": False}]}
    )
    assert (store.qty("TEE-1", "Retail"), store.qty("TEE-1", "Retail", "on_hand")) == (3, 3)
    shipped = store.control("POST", "/orders", {"lines": [{"sku": "MUG-1", "quantity": 1}], "location": "Retail"})
    store.control("POST", f"/orders/{shipped['id']}/fulfil", {})
    url = f"{store.server.base_url}/_control/shops/{store.domain}/orders/{shipped['id']}/edits"
    refused = store.http.post(url, json={"set": [{"line_item_id": shipped["line_items"][0]["id"], "quantity": 0}]})
    assert refused.status_code == 409


def test_gift_card_untracked_and_custom_lines_say_so_on_the_line(store: Store) -> None:
    """REST LineItem: `gift_card`, `product_exists` (false for a custom line) and
    `variant_inventory_management` ("shopify" when tracked, null when not),
    https://shopify.dev/docs/api/admin-rest/latest/resources/order."""
    store.control("POST", "/seed", {"products": [
        {"title": "Card", "gift_card": True, "variants": [{"sku": "CARD", "tracked": False}]},
        {"title": "Bag", "variants": [{"sku": "BAG", "tracked": False}]},
    ]})  # fmt: skip
    lines = [{"sku": "CARD", "quantity": 1}, {"sku": "BAG", "quantity": 1}, {"custom_title": "Wrap", "quantity": 1},
             {"sku": "TEE-1", "quantity": 1}]  # fmt: skip
    order = store.control("POST", "/orders", {"lines": lines, "location": "Retail"})
    card, bag, wrap, tee = order["line_items"]
    assert (card["gift_card"], card["requires_shipping"], card["variant_inventory_management"]) == (True, False, None)
    assert (bag["gift_card"], bag["variant_inventory_management"]) == (False, None)
    assert (wrap["variant_id"], wrap["product_exists"]) == (None, False)
    assert (tee["variant_inventory_management"], tee["product_exists"]) == ("shopify", True)
    assert store.qty("TEE-1", "Retail") == 3


def test_moving_a_fulfilment_order_moves_its_committed_units_and_sends_fulfillment_orders_moved(
    store: Store, sink: Sink
) -> None:
    """fulfillmentOrderMove re-assigns the open line items: with nothing fulfilled the fulfilment order
    itself moves, else a new one takes the open units; committed follows the assignment
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentOrderMove). The webhook names
    the original and moved fulfilment orders with their assigned locations, the destination, the line
    items requested and the source location, all as gids, and no order
    (sample payload: https://shopify.dev/docs/api/webhooks/2026-07,
    https://shopify.dev/changelog/added-source_location-field-to-fulfillmentordersmove-webhook-payload)."""
    subscribe(store, sink, ("fulfillment_orders/moved",))
    locations = {loc["name"]: loc["id"] for loc in store.control("GET", "")["locations"]}
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 3}]})
    assert store.qty("TEE-1", "Warehouse", "committed") == 3
    moved = store.control("POST", f"/orders/{order['id']}/move", {"location": "Shop location"})["moved"]
    assert (store.qty("TEE-1", "Warehouse"), store.qty("TEE-1", "Warehouse", "committed")) == (10, 0)
    assert store.qty("TEE-1", "Shop location", "committed") == 3
    body = wait_until(lambda: sink.bodies("fulfillment_orders/moved"))[0]
    assert body == moved[0]
    delivery = sink.of("fulfillment_orders/moved")[0]
    assert _verify(delivery["raw"], delivery["headers"]["X-Shopify-Hmac-Sha256"])
    assert delivery["headers"]["X-Shopify-Shop-Domain"] == store.domain
    to_shop = f"gid://shopify/Location/{locations['Shop location']}"
    assert body["original_fulfillment_order"] == {**body["moved_fulfillment_order"], "status": "open"}
    assert body["moved_fulfillment_order"]["assigned_location_id"] == body["destination_location_id"] == to_shop
    assert body["source_location"] == {"id": f"gid://shopify/Location/{locations['Warehouse']}"}
    [requested] = body["fulfillment_order_line_items_requested"]
    assert requested["quantity"] == 3
    assert requested["id"].startswith("gid://shopify/FulfillmentOrderLineItem/")
    assert "order_id" not in json.dumps(body)

    line = order["line_items"][0]["id"]
    store.control("POST", f"/orders/{order['id']}/fulfil", {"lines": [{"line_item_id": line, "quantity": 1}]})
    split = store.control("POST", f"/orders/{order['id']}/move", {"location": "Warehouse"})["moved"][0]
    assert split["original_fulfillment_order"]["id"] == body["moved_fulfillment_order"]["id"]
    assert split["original_fulfillment_order"]["status"] == "closed"  # keeps the fulfilled unit only
    assert split["moved_fulfillment_order"]["id"] != split["original_fulfillment_order"]["id"]
    assert split["fulfillment_order_line_items_requested"][0]["quantity"] == 2  # fulfilled units stay
    assert (store.qty("TEE-1", "Warehouse"), store.qty("TEE-1", "Warehouse", "committed")) == (8, 2)
    assert store.qty("TEE-1", "Shop location", "committed") == 0
    store.control("POST", f"/orders/{order['id']}/fulfil", {})
    assert store.control("GET", f"/orders/{order['id']}")["fulfillments"][-1]["location_id"] == locations["Warehouse"]
    url = f"{store.server.base_url}/_control/shops/{store.domain}/orders/{order['id']}/move"
    refused = store.http.post(url, json={"location": "Shop location"})
    assert refused.status_code == 409, refused.text  # nothing open is left to move


def test_an_online_order_is_routed_where_told_and_sends_order_routing_complete_after_the_order(
    store: Store, sink: Sink
) -> None:
    """`route_to` plays the merchant's order routing rules: the units are committed there, and the
    routed fulfilment order is announced by `fulfillment_orders/order_routing_complete` (only its gid
    and status: https://shopify.dev/docs/api/webhooks/2026-07), signed as every topic, after
    `orders/create`; `fulfillmentOrder(id:)` reads it at that location. A POS order is not routed."""
    subscribe(store, sink, ("orders/create", "fulfillment_orders/order_routing_complete"))
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 2}], "route_to": "Retail"})
    assert (store.qty("TEE-1", "Retail"), store.qty("TEE-1", "Retail", "committed")) == (2, 2)
    assert store.qty("TEE-1", "Warehouse", "committed") == 0
    wait_until(lambda: len(sink.received) == 2)
    assert [r["topic"] for r in sink.received] == ["orders/create", "fulfillment_orders/order_routing_complete"]
    delivery = sink.of("fulfillment_orders/order_routing_complete")[0]
    assert _verify(delivery["raw"], delivery["headers"]["X-Shopify-Hmac-Sha256"])
    body = json.loads(delivery["body"])
    assert set(body) == {"fulfillment_order"}
    assert set(body["fulfillment_order"]) == {"id", "status"}
    assert body["fulfillment_order"]["status"] == "open"
    answer = store.gql(documents.FULFILLMENT_ORDER, {"id": body["fulfillment_order"]["id"], "first": 100})
    node = answer["data"]["fulfillmentOrder"]
    retail = next(loc["id"] for loc in store.control("GET", "")["locations"] if loc["name"] == "Retail")
    assert node["assignedLocation"]["location"]["id"] == f"gid://shopify/Location/{retail}"
    assert node["order"]["id"] == f"gid://shopify/Order/{order['id']}"
    assert [line["remainingQuantity"] for line in node["lineItems"]["nodes"]] == [2]
    store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 1}], "location": "Retail"})
    url = f"{store.server.base_url}/_control/shops/{store.domain}/orders"
    refused = store.http.post(url, json={"lines": [{"sku": "TEE-1", "quantity": 1}], "route_to": "Nowhere"})
    assert refused.status_code == 409, refused.text
    wait_until(lambda: len(sink.of("orders/create")) == 2)
    assert len(sink.of("fulfillment_orders/order_routing_complete")) == 1


def test_the_moved_fulfilment_order_is_read_by_id_with_its_order_location_and_lines(store: Store) -> None:
    """GraphQL `fulfillmentOrder(id:)` (the consumer's read after fulfillment_orders/moved, scope
    read_merchant_managed_fulfillment_orders): its order, assigned location, status and line items with
    `remainingQuantity`/`totalQuantity` (https://shopify.dev/docs/api/admin-graphql/latest/objects/FulfillmentOrder);
    after a partial shipment and a move, the original is closed at the source holding the shipped unit.
    An unknown id is null, as Shopify's."""
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 3}]})
    line = order["line_items"][0]["id"]
    store.control("POST", f"/orders/{order['id']}/fulfil", {"lines": [{"line_item_id": line, "quantity": 1}]})
    [moved] = store.control("POST", f"/orders/{order['id']}/move", {"location": "Shop location"})["moved"]

    def read(fulfillment_order: dict[str, Any]) -> dict[str, Any]:
        answer = store.gql(documents.FULFILLMENT_ORDER, {"id": fulfillment_order["id"], "first": 100})
        assert "errors" not in answer, answer
        assert answer["extensions"]["cost"]["requestedQueryCost"] < 1000  # under the single-query cap
        node: dict[str, Any] = answer["data"]["fulfillmentOrder"]
        return node

    now_at = read(moved["moved_fulfillment_order"])
    assert now_at["order"]["id"] == f"gid://shopify/Order/{order['id']}"
    assert now_at["assignedLocation"]["location"]["id"] == moved["destination_location_id"]
    assert now_at["status"] == "OPEN"
    [item] = now_at["lineItems"]["nodes"]
    assert item["lineItem"]["id"] == f"gid://shopify/LineItem/{line}"
    assert (item["remainingQuantity"], item["totalQuantity"]) == (2, 2)
    assert item["variant"]["id"].startswith("gid://shopify/ProductVariant/")
    [shipment] = now_at["order"]["fulfillments"]
    assert shipment["location"]["id"] == moved["source_location"]["id"]
    original = read(moved["original_fulfillment_order"])
    assert original["status"] == "CLOSED"
    assert [(n["remainingQuantity"], n["totalQuantity"]) for n in original["lineItems"]["nodes"]] == [(0, 1)]
    unknown = store.gql(documents.FULFILLMENT_ORDER, {"id": "gid://shopify/FulfillmentOrder/1", "first": 5})
    assert unknown["data"]["fulfillmentOrder"] is None


FULFILLMENT_ORDERS_OF = """
query FulfillmentOrdersOf($id: ID!) {
  order(id: $id) { fulfillmentOrders(first: 5) { nodes { id status assignedLocation { location { id } } } } }
}
"""
FULFILLMENT_ORDER_MOVE = """
mutation Move($id: ID!, $to: ID!) {
  fulfillmentOrderMove(id: $id, newLocationId: $to) {
    movedFulfillmentOrder { id status assignedLocation { location { id } } }
    originalFulfillmentOrder { id status }
    userErrors { field message code }
  }
}
"""


def test_fulfillment_order_move_through_graphql_moves_the_units_and_sends_the_webhook(store: Store, sink: Sink) -> None:
    """`Order.fulfillmentOrders` names the order's fulfilment order; `fulfillmentOrderMove(id:,
    newLocationId:)` re-assigns its unfulfilled line items, committed follows, and
    `fulfillment_orders/moved` is sent as for the control API's move
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentOrderMove). A move to where it
    is already assigned is refused with a userError."""
    subscribe(store, sink, ("fulfillment_orders/moved",))
    order = store.control("POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": 2}]})
    listed = store.gql(FULFILLMENT_ORDERS_OF, {"id": f"gid://shopify/Order/{order['id']}"})
    [fulfillment_order] = listed["data"]["order"]["fulfillmentOrders"]["nodes"]
    assert fulfillment_order["assignedLocation"]["location"]["id"] == store.location_gid("Warehouse")
    to_shop = store.location_gid("Shop location")
    answer = store.gql(FULFILLMENT_ORDER_MOVE, {"id": fulfillment_order["id"], "to": to_shop})
    payload = answer["data"]["fulfillmentOrderMove"]
    assert payload["userErrors"] == []
    assert payload["movedFulfillmentOrder"]["id"] == fulfillment_order["id"]  # nothing shipped: it moves whole
    assert payload["movedFulfillmentOrder"]["assignedLocation"]["location"]["id"] == to_shop
    assert (store.qty("TEE-1", "Warehouse", "committed"), store.qty("TEE-1", "Shop location", "committed")) == (0, 2)
    body = wait_until(lambda: sink.bodies("fulfillment_orders/moved"))[0]
    assert body["moved_fulfillment_order"]["id"] == fulfillment_order["id"]
    assert body["source_location"] == {"id": store.location_gid("Warehouse")}
    again = store.gql(FULFILLMENT_ORDER_MOVE, {"id": fulfillment_order["id"], "to": to_shop})
    assert again["data"]["fulfillmentOrderMove"]["userErrors"][0]["field"] == ["id"]
