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


# ---------------------------------------------------------------- 2. inactive levels and locations
def seed_inactive(store: Store) -> None:
    """Retail deactivated; TEE-2 inactive at Warehouse (5 kept); a deleted location with stock."""
    store.control(
        "POST",
        "/seed",
        {
            "locations": [{"name": "Closed", "active": False}, {"name": "Gone", "deleted": True}],
            "levels": [
                {"sku": "TEE-2", "location": "Warehouse", "available": 5, "active": False},
                {"sku": "TEE-1", "location": "Closed", "available": 7},
                {"sku": "TEE-1", "location": "Gone", "available": 9},
            ],
        },
    )


ITEM_LEVELS = """
query($id: ID!, $all: Boolean!) {
  inventoryItem(id: $id) {
    variant { inventoryQuantity }
    inventoryLevels(first: 10, includeInactive: $all) { nodes { isActive location { name } } }
  }
}
"""


def test_inactive_levels_and_locations_leave_default_reads_and_totals(store: Store) -> None:
    """Default reads show active levels only and `includeInactive: true` brings the inactive ones
    back; deleted locations never come back; totals count active levels only
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/InventoryItem#field-InventoryItem.fields.inventoryLevels,
    https://shopify.dev/docs/api/admin-graphql/latest/queries/locations: "Returns only active
    locations by default")."""
    seed_inactive(store)
    tee1 = store.item_gid("TEE-1")
    default = store.gql(ITEM_LEVELS, {"id": tee1, "all": False})["data"]["inventoryItem"]
    assert sorted(n["location"]["name"] for n in default["inventoryLevels"]["nodes"]) == [
        "Retail",
        "Shop location",
        "Warehouse",
    ]
    assert default["variant"]["inventoryQuantity"] == 14  # 0 + 10 + 4: not Closed's 7, not Gone's 9
    everything = store.gql(ITEM_LEVELS, {"id": tee1, "all": True})["data"]["inventoryItem"]
    by_name = {n["location"]["name"]: n["isActive"] for n in everything["inventoryLevels"]["nodes"]}
    assert by_name == {"Retail": True, "Shop location": True, "Warehouse": True, "Closed": False}
    tee2 = store.gql(ITEM_LEVELS, {"id": store.item_gid("TEE-2"), "all": False})["data"]["inventoryItem"]
    assert [n["location"]["name"] for n in tee2["inventoryLevels"]["nodes"]] == ["Shop location"]
    assert tee2["variant"]["inventoryQuantity"] == 3

    # The product's location read (includeInactive: true) sees Closed, never Gone.
    locs = product_gql(store, documents.LOCATIONS_PAGE, {"first": 10})["data"]["locations"]["nodes"]
    assert [(n["name"], n["isActive"]) for n in locs] == [
        ("Closed", False),
        ("Retail", True),
        ("Shop location", True),
        ("Warehouse", True),
    ]
    default_locs = store.gql("{ locations(first: 10) { nodes { name } } }")["data"]["locations"]["nodes"]
    assert [n["name"] for n in default_locs] == ["Retail", "Shop location", "Warehouse"]


def test_inventory_level_by_location_honours_include_inactive(store: Store) -> None:
    """`InventoryItem.inventoryLevel(locationId:, includeInactive:)` answers null for an inactive
    level unless asked, and never a Python error
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/InventoryItem#field-InventoryItem.fields.inventoryLevel)."""
    seed_inactive(store)
    query = (
        "query($id: ID!, $loc: ID!, $all: Boolean!) { inventoryItem(id: $id) { "
        "inventoryLevel(locationId: $loc, includeInactive: $all) { isActive "
        'quantities(names: ["available"]) { quantity } } } }'
    )
    variables = {"id": store.item_gid("TEE-2"), "loc": store.location_gid("Warehouse")}
    hidden = store.gql(query, {**variables, "all": False})
    assert "errors" not in hidden
    assert hidden["data"]["inventoryItem"]["inventoryLevel"] is None
    shown = store.gql(query, {**variables, "all": True})["data"]["inventoryItem"]["inventoryLevel"]
    assert shown == {"isActive": False, "quantities": [{"quantity": 5}]}
    # Location.inventoryLevel takes the same argument.
    loc_query = (
        "query($loc: ID!, $id: ID!) { location(id: $loc) { inventoryLevel(inventoryItemId: $id, "
        "includeInactive: true) { isActive } } }"
    )
    assert store.gql(loc_query, variables)["data"]["location"]["inventoryLevel"] == {"isActive": False}


def test_a_resolver_failure_is_an_internal_error_without_python_text(store: Store) -> None:
    """Shopify answers an internal failure as INTERNAL_SERVER_ERROR; a simulator bug must not leak
    a Python exception into the answer (https://shopify.dev/docs/api/admin-graphql#status_and_error_codes)."""
    store.server.sim.state.shops[store.domain].items.clear()  # break the store: variants without items
    answer = store.gql("{ productVariants(first: 5) { nodes { inventoryItem { id } } } }")
    assert answer["errors"]
    for error in answer["errors"]:
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert "KeyError" not in error["message"]
        assert "Traceback" not in error["message"]


ACTIVATE = (
    "mutation A($item: ID!, $loc: ID!, $available: Int, $onHand: Int, $key: String!) {"
    " inventoryActivate(inventoryItemId: $item, locationId: $loc, available: $available, onHand: $onHand)"
    ' @idempotent(key: $key) { inventoryLevel { isActive quantities(names: ["available", "on_hand"])'
    " { name quantity } } userErrors { field message } } }"
)
DEACTIVATE = "mutation D($id: ID!) { inventoryDeactivate(inventoryLevelId: $id) { userErrors { field message } } }"


def level_id(store: Store, sku: str, location: str) -> str:
    return next(
        f"gid://shopify/InventoryLevel/{lv['location_id']}?inventory_item_id={lv['inventory_item_id']}"
        for lv in store.control("GET", "/levels")["levels"]
        if lv["sku"] == sku and lv["location_name"] == location
    )


def test_deactivate_then_activate_keeps_quantities_from_2026_04(store: Store) -> None:
    """inventoryDeactivate hides the level; inventoryActivate without quantities brings it back with
    the quantities it had, from 2026-04 (https://shopify.dev/changelog/inventoryactivate-now-preserves-available-quantity,
    https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryDeactivate)."""
    answer = store.gql(DEACTIVATE, {"id": level_id(store, "TEE-1", "Warehouse")})
    assert answer["data"]["inventoryDeactivate"] == {"userErrors": []}
    listed = store.gql(ITEM_LEVELS, {"id": store.item_gid("TEE-1"), "all": False})["data"]["inventoryItem"]
    assert "Warehouse" not in [n["location"]["name"] for n in listed["inventoryLevels"]["nodes"]]
    # Writes to an inactive level are refused as not stocked.
    refused = product_gql(
        store,
        documents.INVENTORY_SET_QUANTITIES,
        {"input": set_input(store, [("TEE-1", "Warehouse", 3, None)]), "idempotencyKey": "inactive-set"},
    )
    assert [e["code"] for e in refused["data"]["inventorySetQuantities"]["userErrors"]] == [
        "ITEM_NOT_STOCKED_AT_LOCATION"
    ]
    variables = {"item": store.item_gid("TEE-1"), "loc": store.location_gid("Warehouse"), "key": "act-1"}
    back = store.gql(ACTIVATE, variables)["data"]["inventoryActivate"]
    assert back["userErrors"] == []
    assert back["inventoryLevel"]["isActive"] is True
    assert back["inventoryLevel"]["quantities"] == [
        {"name": "available", "quantity": 10},
        {"name": "on_hand", "quantity": 10},
    ]


def test_deactivate_refuses_committed_and_the_last_level(store: Store) -> None:
    """A level with committed units, or an item's only active level, cannot be deactivated
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/InventoryLevel#field-InventoryLevel.fields.canDeactivate)."""
    mug = store.gql(DEACTIVATE, {"id": level_id(store, "MUG-1", "Shop location")})["data"]["inventoryDeactivate"]
    assert mug["userErrors"][0]["field"] == ["inventoryLevelId"]
    store.control("POST", "/levels", {"sku": "TEE-1", "location": "Retail", "available": 4, "committed": 1})
    retail = store.gql(DEACTIVATE, {"id": level_id(store, "TEE-1", "Retail")})["data"]["inventoryDeactivate"]
    assert "committed" in retail["userErrors"][0]["message"]
    unknown = store.gql(DEACTIVATE, {"id": "gid://shopify/InventoryLevel/1?inventory_item_id=2"})
    assert unknown["data"]["inventoryDeactivate"]["userErrors"][0]["field"] == ["inventoryLevelId"]
