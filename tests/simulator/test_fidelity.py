"""Issue #13: the simulator answers as Shopify does (documented behaviour), not more kindly.

One section per class of difference. Each test cites the shopify.dev page it checks against, and
uses the documents the product sends (`inventory_ledger.adapters.shopify.documents`) where the
product sends one.
"""

from __future__ import annotations

from typing import Any

import pytest

from inventory_ledger.adapters.shopify import documents
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.inventory import ShopifyInventoryGateway
from inventory_ledger.adapters.shopify.models import AdjustQuantity, QuantityStatus, SetQuantity

from .conftest import TOKEN, Store

PRODUCT_VERSION = "2026-07"


def product_gql(store: Store, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return store.gql(query, variables, version=PRODUCT_VERSION)


@pytest.fixture
def gateway(store: Store) -> ShopifyInventoryGateway:
    """The product's own gateway, pointed at the simulator."""
    url = store.server.graphql_url(store.domain, PRODUCT_VERSION)
    return ShopifyInventoryGateway(ShopifyAdminClient(store.domain, TOKEN, url, http_client=store.http))


def set_input(store: Store, rows: list[tuple[str, str, int, int | None]]) -> dict[str, Any]:
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://inventory-ledger/Push/1",
        "quantities": [
            {
                "inventoryItemId": store.item_gid(sku),
                "locationId": store.location_gid(loc),
                "quantity": qty,
                "changeFromQuantity": cf,
            }
            for sku, loc, qty, cf in rows
        ],
    }


def adjust_input(store: Store, rows: list[tuple[str, str, int]], name: str = "available") -> dict[str, Any]:
    return {
        "name": name,
        "reason": "correction",
        "referenceDocumentUri": "gid://inventory-ledger/Push/2",
        "changes": [
            {
                "inventoryItemId": store.item_gid(sku),
                "locationId": store.location_gid(loc),
                "delta": delta,
                "changeFromQuantity": None,
            }
            for sku, loc, delta in rows
        ],
    }


# ---------------------------------------------------------------- 1. no-op writes
def test_set_that_changes_nothing_answers_a_null_group(store: Store) -> None:
    """A set to the current value creates no adjustment group: `inventoryAdjustmentGroup` is null,
    no userErrors, nothing moves (https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventorySetQuantities:
    the payload's group is "The application's adjustment group", nullable; Shopify creates none when
    no quantity changed)."""
    answer = product_gql(
        store,
        documents.INVENTORY_SET_QUANTITIES,
        {"input": set_input(store, [("TEE-1", "Warehouse", 10, 10)]), "idempotencyKey": "noop-1"},
    )
    assert "errors" not in answer
    assert answer["data"]["inventorySetQuantities"] == {"inventoryAdjustmentGroup": None, "userErrors": []}
    assert store.qty("TEE-1", "Warehouse") == 10
    # The mutation's 10 points and nothing for a null payload object.
    assert answer["extensions"]["cost"]["actualQueryCost"] == 10


def test_mixed_adjust_drops_the_zero_delta_rows(store: Store) -> None:
    """inventoryAdjustQuantities reports only the quantities that changed
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryAdjustQuantities)."""
    answer = product_gql(
        store,
        documents.INVENTORY_ADJUST_QUANTITIES,
        {
            "input": adjust_input(store, [("TEE-1", "Warehouse", 0), ("MUG-1", "Shop location", 2)]),
            "idempotencyKey": "mixed-1",
        },
    )
    changes = answer["data"]["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]["changes"]
    assert [(c["name"], c["delta"], c["item"]["id"]) for c in changes] == [
        ("available", 2, store.item_gid("MUG-1")),
        ("on_hand", 2, store.item_gid("MUG-1")),
    ]
    assert (store.qty("TEE-1", "Warehouse"), store.qty("MUG-1", "Shop location")) == (10, 9)


def test_adjust_of_only_zero_deltas_answers_a_null_group(store: Store) -> None:
    """All-zero adjust: no group, no userErrors
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryAdjustQuantities)."""
    answer = product_gql(
        store,
        documents.INVENTORY_ADJUST_QUANTITIES,
        {"input": adjust_input(store, [("TEE-1", "Warehouse", 0)]), "idempotencyKey": "zero-1"},
    )
    assert answer["data"]["inventoryAdjustQuantities"] == {"inventoryAdjustmentGroup": None, "userErrors": []}


def test_product_gateway_treats_a_no_op_push_as_applied(store: Store, gateway: ShopifyInventoryGateway) -> None:
    """The product's push of a value Shopify already holds is APPLIED with no changes, not an error
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventorySetQuantities)."""
    q = SetQuantity(
        inventory_item_id=store.item_gid("TEE-1"),
        location_id=store.location_gid("Warehouse"),
        quantity=10,
        change_from_quantity=10,
    )
    result = gateway.set_available([q], reason="correction", reference_document_uri=None, idempotency_key="gw-noop")
    assert [o.status for o in result.outcomes] == [QuantityStatus.APPLIED]
    assert result.changes == []
    adjusted = gateway.adjust_available(
        [
            AdjustQuantity(
                inventory_item_id=store.item_gid("TEE-1"),
                location_id=store.location_gid("Warehouse"),
                delta=0,
                change_from_quantity=None,
            )
        ],
        reason="correction",
        reference_document_uri=None,
        idempotency_key="gw-noop-adj",
    )
    assert adjusted.changes == []
