"""Issue #13, class 5: query cost as Shopify computes it, checked on Shopify's own answers.

The rules are shopify.dev's (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits,
"Cost calculation": scalars and enums 0, objects 1, interfaces the maximum, connections sized by
first/last, mutations 10); how a page's size and what came back turn into points is fitted to the
`extensions.cost` of real answers (local/shopify_simulator/cost.py says how, and from which captures).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from inventory_ledger.adapters.shopify import documents
from shopify_simulator.cost import MAX_SINGLE_QUERY_COST, CostCalculator, connection_requested
from shopify_simulator.schema import get_schema

from .conftest import CAPTURES, Store

# The captures' API versions that we hold a schema of; 2025-01's documents validate against 2025-10.
SCHEMA_OF = {"2025-01": "2025-10", "2026-04": "2026-04"}


def _costs(version: str, query: str, variables: dict[str, Any] | None, data: Any) -> tuple[int, int]:
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    calc = CostCalculator(get_schema(SCHEMA_OF[version]), fragments, variables or {})
    return calc.requested(operation), calc.actual(operation, data)


def _captured_answers() -> Iterator[tuple[str, str, str, dict[str, Any] | None, dict[str, Any]]]:
    """Every (capture, where, document, variables, answer) of the captures whose answer has a cost."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, str, dict[str, Any] | None, dict[str, Any]]]:
        if isinstance(node, dict):
            answer = node.get("response")
            answer = answer.get("body", answer) if isinstance(answer, dict) else None
            if isinstance(node.get("query"), str) and isinstance(answer, dict) and "extensions" in answer:
                yield where, node["query"], node.get("variables"), answer
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}/{i}")

    for path in sorted(CAPTURES.glob("*.json")):
        capture = json.loads(path.read_text())
        for where, query, variables, answer in walk(capture, ""):
            yield path.name, where, query, variables, answer


CAPTURED = list(_captured_answers())


def test_every_capture_with_a_document_is_checked() -> None:
    # 30 answers in 6 captures (the 7th, media, answers a mutation we do not serve and has no actual cost).
    assert len(CAPTURED) == 30
    assert len({name for name, *_ in CAPTURED}) == 6


@pytest.mark.parametrize(
    ("name", "where", "query", "variables", "answer"), CAPTURED, ids=[f"{c[0][:40]}{c[1]}" for c in CAPTURED]
)
def test_captured_document_costs_what_shopify_charged(
    name: str, where: str, query: str, variables: dict[str, Any] | None, answer: dict[str, Any]
) -> None:
    """Shopify's requestedQueryCost for the captured document, and its actualQueryCost for the data it
    answered (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits, "Cost calculation"
    and "Requested and actual cost")."""
    cost = answer["extensions"]["cost"]
    version = name.split("_", 1)[0]
    assert _costs(version, query, variables, answer.get("data")) == (
        cost["requestedQueryCost"],
        cost["actualQueryCost"],
    )


# ---------------------------------------------------------------- the fitted rules, end to end
LEVEL = 'id item { id } location { id name } quantities(names: ["available", "on_hand"]) { name quantity }'


def _two_levels(store: Store) -> str:
    store.control("POST", "/seed", {"levels": [{"sku": "MUG-1", "location": "Warehouse", "available": 1}]})
    return store.item_gid("MUG-1")


def test_a_page_is_priced_by_the_log_of_its_size(store: Store) -> None:
    """A page of 10 four-point levels is requested at 18 and a page of 5 at 14, not 42 and 22: the sizes
    and items of Shopify's answer to the same shapes (airhorns/shopify-draft-proxy capture
    inventory-item-levels-connection-windowing-2026-04, requested 94 for seven such pages)."""
    item = _two_levels(store)
    query = (
        "query($id: ID!) { inventoryItem(id: $id) { ten: inventoryLevels(first: 10) { nodes { " + LEVEL + " } } "
        "five: inventoryLevels(first: 5) { nodes { " + LEVEL + " } } } }"
    )
    cost = store.gql(query, {"id": item})["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 + 18 + 14
    assert (connection_requested(10, 4), connection_requested(5, 4), connection_requested(1, 4)) == (18, 14, 6)


def test_actual_cost_pays_a_page_children_once_and_a_searched_page_per_node(store: Store) -> None:
    """Two levels returned cost 2 + 2 nodes + their children once (3) = 7; searched with `query:`, one
    more per node after the first (8); an empty searched page 2 (same capture: actual 46 and 45)."""
    item = _two_levels(store)
    item_id = item.rsplit("/", 1)[1]
    query = (
        "query($id: ID!, $q: String!, $none: String!) { inventoryItem(id: $id) { "
        "plain: inventoryLevels(first: 10) { nodes { " + LEVEL + " } } "
        "searched: inventoryLevels(first: 10, query: $q) { nodes { " + LEVEL + " } } "
        "empty: inventoryLevels(first: 5, query: $none) { nodes { id } } } }"
    )
    answer = store.gql(query, {"id": item, "q": f"inventory_item_id:{item_id}", "none": "inventory_item_id:1"})
    levels = answer["data"]["inventoryItem"]
    assert [len(levels[k]["nodes"]) for k in ("plain", "searched", "empty")] == [2, 2, 0]
    assert answer["extensions"]["cost"]["actualQueryCost"] == 1 + 7 + 8 + 2


# ---------------------------------------------------------------- what the product sends
def _log_page(size: int) -> float:
    return max(1.0, math.log2(size) + 0.5)


# (document, page size the product asks for, requested cost by the rules, worked out by hand)
PRODUCT_DOCUMENTS = [
    # 10 + the payload's objects (covered) + changes 1 + item 1 + location 1
    ("INVENTORY_SET_QUANTITIES", None, 13),
    ("INVENTORY_ADJUST_QUANTITIES", None, 13),
    # a location (1) per item: 2 + ceil(1 x (log2 250 + 0.5))
    ("LOCATIONS_PAGE", 250, 2 + math.ceil(1 * _log_page(250))),
    # a variant and its inventoryItem (2) per item
    ("PRODUCT_VARIANTS_PAGE", 250, 2 + math.ceil(2 * _log_page(250))),
    # location 1 + a page of levels with item and quantities (3)
    ("LOCATION_INVENTORY_LEVELS_PAGE", 100, 1 + 2 + math.ceil(3 * _log_page(100))),
    ("BULK_LEVELS_RUN", None, 10),
    ("BULK_OPERATION_STATUS", None, 1),
    # nodes 1 + the InventoryItem fragment: inventoryLevel 1 + quantities 1
    ("INVENTORY_ITEMS_AVAILABLE_AT", None, 3),
    # a subscription (1, scalars only) per item: 2 + ceil(1 x (log2 100 + 0.5))
    ("WEBHOOK_SUBSCRIPTIONS_PAGE", 100, 2 + math.ceil(1 * _log_page(100))),
    # 10 + the payload's object (covered)
    ("WEBHOOK_SUBSCRIPTION_CREATE", None, 10),
    ("WEBHOOK_SUBSCRIPTION_DELETE", None, 10),
    # a fulfilment order 1 + its order 1 + fulfillments list (1 + location 1 + a page of 50 x 2) +
    # assignedLocation 1 + location 1 + a page of 100 line items x 3 (itself, lineItem, variant)
    (
        "FULFILLMENT_ORDER",
        100,
        1 + 1 + (1 + 1 + 2 + math.ceil(2 * _log_page(50))) + 1 + 1 + (2 + math.ceil(3 * _log_page(100))),
    ),
    # an order: 1 + retailLocation 1 + lineItems page (20 x 3) + fulfillments list (1 + location 1 +
    # a page of 20 x 2) + refunds list (1 + its return 1 + a page of 20 x 3) + a page of 4 returns, each
    # (1 + a page of 2 reverse fulfilment orders x 1)
    (
        "ORDERS_UPDATED_SINCE",
        5,
        2
        + math.ceil(
            (
                1
                + 1
                + (2 + math.ceil(3 * _log_page(20)))
                + (1 + 1 + 2 + math.ceil(2 * _log_page(20)))
                + (1 + 1 + 2 + math.ceil(3 * _log_page(20)))
                + (2 + math.ceil((1 + 2 + math.ceil(1 * _log_page(2))) * _log_page(4)))
            )
            * _log_page(5)
        ),
    ),
    # An order read whole: order 1 + a page of 250 line items (3 each)
    ("ORDER_LINE_ITEMS_PAGE", 250, 1 + 2 + math.ceil(3 * _log_page(250))),
    # order 1 + the fulfilments list (1 + location 1) + the refunds list (1 + return 1): lists cost like one object
    ("ORDER_FULFILLMENTS_AND_REFUNDS", 250, 1 + 2 + 2),
    # a reverse fulfilment order 1 + its order 1 + a page of 100 line items x 6 (itself,
    # fulfillmentLineItem, lineItem, variant, the dispositions list and its location)
    ("REVERSE_FULFILLMENT_ORDER", 100, 1 + 1 + (2 + math.ceil(6 * _log_page(100)))),
    # fulfilment 1 + a page of 250 lines (line 1 + lineItem 1)
    ("FULFILLMENT_LINE_ITEMS_PAGE", 250, 1 + 2 + math.ceil(2 * _log_page(250))),
    # refund 1 + a page of 250 lines (line 1 + location 1 + lineItem 1)
    ("REFUND_LINE_ITEMS_PAGE", 250, 1 + 2 + math.ceil(3 * _log_page(250))),
]


@pytest.mark.parametrize(("name", "page", "requested"), PRODUCT_DOCUMENTS, ids=[d[0] for d in PRODUCT_DOCUMENTS])
def test_documents_the_product_sends_cost_by_the_rules(name: str, page: int | None, requested: int) -> None:
    """Each document of inventory_ledger.adapters.shopify.documents at the page size the product uses
    costs what the rules give, and stays under the single-query cap of 1,000
    (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits)."""
    variables: dict[str, Any] = {"first": page} if page is not None else {}
    got, _ = _costs("2026-04", getattr(documents, name), variables, None)
    assert got == requested
    assert got <= MAX_SINGLE_QUERY_COST


def test_every_document_of_the_product_is_in_the_table() -> None:
    # A private name is a fragment spliced into the documents (the mutations' shared payload), never sent alone.
    sent = {
        n
        for n, v in vars(documents).items()
        if isinstance(v, str) and n.isupper() and not n.startswith("_") and "{" in v
    }
    sent.discard("BULK_LEVELS_QUERY")  # sent as a variable of BULK_LEVELS_RUN, never costed itself
    assert sent == {name for name, _, _ in PRODUCT_DOCUMENTS}
