"""Shopify's GraphQL orders as the REST bodies the webhook apply path reads (domain.catch_up)."""

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from pydantic import ValidationError

from inventory_ledger.domain.catch_up import (
    CATCH_UP_MARGIN,
    FIRST_CATCH_UP,
    NESTED_LISTS,
    WHOLE_LISTS,
    catch_up_from,
    fetched_order,
    order_truncated,
    whole_order,
)
from inventory_ledger.domain.shopify_payloads import RestockType

NODE = {
    "id": "gid://shopify/Order/9007199254740993",
    "name": "#1001",
    "createdAt": "2026-12-01T09:00:00Z",
    "updatedAt": "2026-12-01T10:00:00Z",
    "cancelledAt": None,
    "sourceName": "pos",
    "retailLocation": {"id": "gid://shopify/Location/77"},
    "lineItems": {
        "pageInfo": {"hasNextPage": False},
        "nodes": [
            {
                "id": "gid://shopify/LineItem/11",
                "sku": "A",
                "quantity": 3,
                "unfulfilledQuantity": 1,
                "variant": {
                    "id": "gid://shopify/ProductVariant/21",
                    "inventoryItem": {"id": "gid://shopify/InventoryItem/31", "tracked": True},
                },
            },
            {"id": "gid://shopify/LineItem/12", "sku": None, "quantity": 1, "unfulfilledQuantity": 1, "variant": None},
        ],
    },
    "fulfillments": [
        {
            "id": "gid://shopify/Fulfillment/41",
            "status": "SUCCESS",
            "location": {"id": "gid://shopify/Location/77"},
            "fulfillmentLineItems": {"nodes": [{"quantity": 2, "lineItem": {"id": "gid://shopify/LineItem/11"}}]},
        },
    ],
    "refunds": [
        {
            "id": "gid://shopify/Refund/51",
            "createdAt": "2026-12-01T10:00:00Z",
            "refundLineItems": {
                "nodes": [
                    {
                        "id": "gid://shopify/RefundLineItem/61",
                        "quantity": 1,
                        "restockType": "RETURN",
                        "location": {"id": "gid://shopify/Location/77"},
                        "lineItem": {"id": "gid://shopify/LineItem/11"},
                    }
                ]
            },
        },
    ],
}


def test_an_order_node_becomes_the_bodies_of_its_webhooks() -> None:
    fetched = fetched_order(NODE)
    order = fetched.order
    assert order.id == 9007199254740993  # from the gid: exact beyond 2^53
    assert (order.location_id, order.source_name, order.cancelled_at) == (77, "pos", None)
    assert [(li.id, li.sku, li.variant_id, li.quantity) for li in order.line_items] == [
        (11, "A", 21, 3),
        (12, None, None, 1),
    ]
    assert order.fulfilled_quantity(11) == 2
    [refund] = fetched.refunds
    assert (refund.id, refund.order_id) == (51, order.id)
    assert [(rl.line_item_id, rl.quantity, rl.restock_type, rl.location_id) for rl in refund.refund_line_items] == [
        (11, 1, RestockType.RETURN, 77)
    ]
    assert fetched.updated_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert not fetched.cancelled
    assert fetched_order({**NODE, "cancelledAt": "2026-12-01T10:00:00Z"}).cancelled


@pytest.mark.parametrize(
    "broken",
    [
        {**NODE, "id": "not-a-gid"},
        {**NODE, "updatedAt": "yesterday"},
        {**NODE, "lineItems": {"nodes": [{"id": "gid://shopify/LineItem/1", "quantity": -1}]}},
        {key: value for key, value in NODE.items() if key != "id"},
    ],
)
def test_an_order_the_ledger_cannot_read_raises_value_error(broken: dict[str, object]) -> None:
    with pytest.raises((ValueError, KeyError, ValidationError)):
        fetched_order(broken)


def test_the_catch_up_reads_from_the_last_instant_minus_the_margin_never_before_onboarding() -> None:
    now = datetime(2026, 12, 2, 3, tzinfo=UTC)
    last = now - timedelta(days=1)
    assert catch_up_from(last, None, now) == last - CATCH_UP_MARGIN
    assert catch_up_from(None, None, now) == now - FIRST_CATCH_UP - CATCH_UP_MARGIN
    onboarded = now - timedelta(hours=1)
    assert catch_up_from(None, onboarded, now) == onboarded - CATCH_UP_MARGIN


def test_a_node_listing_as_many_fulfilments_as_asked_is_truncated_until_read_whole() -> None:
    fulfillment = {"id": "gid://shopify/Fulfillment/1", "fulfillmentLineItems": {"nodes": []}}
    listed = {**NODE, "fulfillments": [fulfillment] * NESTED_LISTS}
    assert order_truncated(listed)
    assert not order_truncated(listed, WHOLE_LISTS)
    lines: list[dict[str, Any]] = cast(dict[str, Any], NODE["lineItems"])["nodes"]
    cut = {**NODE, "lineItems": {"pageInfo": {"hasNextPage": True}, "nodes": lines}}
    assert order_truncated(cut, WHOLE_LISTS)
    whole = whole_order(cut, lines, [], [])
    assert not order_truncated(whole, WHOLE_LISTS)
    assert not fetched_order(whole, lists_asked=WHOLE_LISTS).truncated
    assert fetched_order(whole, lists_asked=WHOLE_LISTS).order.line_items == fetched_order(NODE).order.line_items


def test_a_refund_of_a_return_says_so_and_the_returns_reverse_fulfilment_orders_are_read() -> None:
    """A refund's `return` (GraphQL `Refund.return`) reaches the refund body, so it restocks nothing
    (domain/returns.py); each return's reverse fulfilment orders are read for their dispositions; a
    return list with more pages leaves the order truncated."""
    refunds: Any = NODE["refunds"]
    refund = {**refunds[0], "return": {"id": "gid://shopify/Return/71"}}
    reverse = {"pageInfo": {"hasNextPage": False}, "nodes": [{"id": "gid://shopify/ReverseFulfillmentOrder/81"}]}
    returns = {"pageInfo": {"hasNextPage": False}, "nodes": [{"reverseFulfillmentOrders": reverse}]}
    fetched = fetched_order({**NODE, "refunds": [refund], "returns": returns})
    assert fetched.refunds[0].return_ is not None
    assert fetched_order(NODE).refunds[0].return_ is None
    assert fetched.reverse_fulfillment_orders == (81,)
    assert not fetched.truncated
    more = {**returns, "pageInfo": {"hasNextPage": True}}
    assert order_truncated({**NODE, "returns": more}, WHOLE_LISTS)
