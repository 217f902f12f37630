"""Issue #13: the simulator answers as Shopify does (documented behaviour), not more kindly.

One section per class of difference. Each test cites the shopify.dev page it checks against, and
uses the documents the product sends (`inventory_ledger.adapters.shopify.documents`) where the
product sends one.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from inventory_ledger.adapters.shopify import documents
from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.models import AdjustQuantity, QuantityStatus, SetQuantity

from .conftest import TOKEN, Store, load_capture

PRODUCT_VERSION = "2026-07"


def product_gql(store: Store, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return store.gql(query, variables, version=PRODUCT_VERSION)


@pytest.fixture
def gateway(store: Store) -> ShopifyAdminOperations:
    """The product's own gateway, pointed at the simulator."""
    url = store.server.graphql_url(store.domain, PRODUCT_VERSION)
    return ShopifyAdminOperations(ShopifyAdminClient(store.domain, TOKEN, url, http_client=store.http))


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


def test_product_gateway_treats_a_no_op_push_as_applied(store: Store, gateway: ShopifyAdminOperations) -> None:
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


# ---------------------------------------------------------------- 3. validations
def adjust_errors(store: Store, input: dict[str, Any], key: str) -> list[dict[str, Any]]:
    answer = product_gql(store, documents.INVENTORY_ADJUST_QUANTITIES, {"input": input, "idempotencyKey": key})
    payload = answer["data"]["inventoryAdjustQuantities"]
    if payload["userErrors"]:
        assert payload["inventoryAdjustmentGroup"] is None
    return list(payload["userErrors"])


def test_ledger_document_uri_rules_one_error_per_offending_change(store: Store) -> None:
    """`ledgerDocumentUri`: required, non-Shopify and one per call for names other than `available`,
    refused for `available`; each offending change gets its own userError and nothing is applied
    (https://shopify.dev/docs/api/admin-graphql/latest/input-objects/InventoryChangeInput,
    https://shopify.dev/docs/api/admin-graphql/latest/enums/InventoryAdjustQuantitiesUserErrorCode)."""
    damaged = adjust_input(store, [("TEE-1", "Warehouse", 1), ("TEE-1", "Retail", 1), ("MUG-1", "Shop location", 1)])
    damaged["name"] = "damaged"
    damaged["changes"][0]["ledgerDocumentUri"] = "gid://shopify/Order/1"
    damaged["changes"][2]["ledgerDocumentUri"] = "not a uri"
    errors = adjust_errors(store, damaged, "ledger-1")
    assert [(e["field"], e["code"]) for e in errors] == [
        (["input", "changes", "0", "ledgerDocumentUri"], "INTERNAL_LEDGER_DOCUMENT"),
        (["input", "changes", "1", "ledgerDocumentUri"], "INVALID_QUANTITY_DOCUMENT"),
        (["input", "changes", "2", "ledgerDocumentUri"], "INVALID_LEDGER_DOCUMENT"),
    ]
    assert store.qty("TEE-1", "Warehouse", "damaged") == 0

    two = adjust_input(store, [("TEE-1", "Warehouse", 1), ("TEE-1", "Retail", 1)], name="damaged")
    two["changes"][0]["ledgerDocumentUri"] = "gid://ledger/Damage/1"
    two["changes"][1]["ledgerDocumentUri"] = "gid://ledger/Damage/2"
    assert [e["code"] for e in adjust_errors(store, two, "ledger-2")] == ["MAX_ONE_LEDGER_DOCUMENT"]

    available = adjust_input(store, [("TEE-1", "Warehouse", 1), ("TEE-1", "Retail", 1)])
    available["changes"][1]["ledgerDocumentUri"] = "gid://ledger/Push/1"
    assert [(e["field"][2], e["code"]) for e in adjust_errors(store, available, "ledger-3")] == [
        ("1", "INVALID_AVAILABLE_DOCUMENT")
    ]

    fine = adjust_input(store, [("TEE-1", "Warehouse", 2), ("TEE-1", "Retail", 1)], name="damaged")
    for change in fine["changes"]:
        change["ledgerDocumentUri"] = "gid://ledger/Damage/3"
    assert adjust_errors(store, fine, "ledger-4") == []
    assert store.qty("TEE-1", "Warehouse", "damaged") == 2


def test_inventory_activate_rules(store: Store) -> None:
    """inventoryActivate refuses `available` with `onHand`, out-of-bounds quantities and a quantity for
    an already active level; it stocks a new level with the quantity given
    (https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryActivate)."""
    store.control("POST", "/seed", {"locations": [{"name": "New"}]})
    base = {"item": store.item_gid("MUG-1"), "loc": store.location_gid("New")}

    def activate(key: str, **quantities: int) -> dict[str, Any]:
        return dict(store.gql(ACTIVATE, {**base, **quantities, "key": key})["data"]["inventoryActivate"])

    both = activate("a-both", available=1, onHand=1)
    assert (both["inventoryLevel"], both["userErrors"][0]["field"]) == (None, ["available"])
    too_high = activate("a-high", available=1_000_000_001)
    assert too_high["userErrors"][0]["field"] == ["available"]
    negative = activate("a-neg", onHand=-1)
    assert negative["userErrors"][0]["field"] == ["onHand"]
    assert store.gql(ITEM_LEVELS, {"id": base["item"], "all": True})["data"]["inventoryItem"]["inventoryLevels"][
        "nodes"
    ] == [{"isActive": True, "location": {"name": "Shop location"}}]  # nothing created by the refusals
    created = activate("a-ok", onHand=6)
    assert created["userErrors"] == []
    assert created["inventoryLevel"]["quantities"] == [
        {"name": "available", "quantity": 6},
        {"name": "on_hand", "quantity": 6},
    ]
    again = activate("a-again", available=2)
    assert again["userErrors"][0]["message"].endswith("already active at the location.")
    assert store.qty("MUG-1", "New") == 6
    # Without quantities, activating an active level is a no-op that answers the level.
    assert activate("a-noop")["inventoryLevel"]["isActive"] is True
    missing_key = store.gql(ACTIVATE.replace(" @idempotent(key: $key)", "").replace(", $key: String!", ""), base)
    assert missing_key["errors"][0]["extensions"]["code"] == "BAD_REQUEST"  # @idempotent required from 2026-04


BULK_RUN = (
    "mutation($q: String!) { bulkOperationRunQuery(query: $q) "
    "{ bulkOperation { id } userErrors { field code message } } }"
)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ('{ nodes(ids: ["gid://shopify/Location/1"]) { id } locations { edges { node { id } } } }', "`nodes`"),
        (
            "{ products { edges { node { id variants { edges { node { id inventoryItem { id "
            "inventoryLevels { edges { node { id } } } } } } } } } } }",
            "nested more than 2",
        ),
        ("{ locations { edges { node { name inventoryLevels { edges { node { id } } } } } } }", "`id`"),
        (
            "{ products { edges { node { id a: variants { edges { node { id } } } b: variants { edges { node { id } } }"
            " c: variants { edges { node { id } } } d: variants { edges { node { id } } }"
            " e: variants { edges { node { id } } } } } } }",
            "more than 5 connections",
        ),
    ],
)
def test_bulk_query_restrictions_refuse_and_create_nothing(store: Store, query: str, words: str) -> None:
    """Bulk queries: no top-level node/nodes, at most five connections, two levels of nesting, a
    parent `id` for nested connections; refused with a userError and no operation
    (https://shopify.dev/docs/api/usage/bulk-operations/queries#operation-restrictions)."""
    answer = store.gql(BULK_RUN, {"q": query}, version=PRODUCT_VERSION)["data"]["bulkOperationRunQuery"]
    assert answer["bulkOperation"] is None
    assert [(e["field"], e["code"]) for e in answer["userErrors"]] == [(["query"], "INVALID")]
    assert words in answer["userErrors"][0]["message"]
    assert store.gql("{ currentBulkOperation { id } }", version=PRODUCT_VERSION)["data"]["currentBulkOperation"] is None


def test_product_bulk_levels_query_is_accepted(store: Store) -> None:
    """The product's own bulk query keeps within the restrictions
    (https://shopify.dev/docs/api/usage/bulk-operations/queries#operation-restrictions)."""
    answer = product_gql(store, documents.BULK_LEVELS_RUN, {"query": documents.BULK_LEVELS_QUERY})
    assert answer["data"]["bulkOperationRunQuery"]["userErrors"] == []


LOCATION_ADD = (
    "mutation($name: String!) { locationAdd(input: {name: $name, address: {countryCode: US}}) "
    "{ location { name } userErrors { field code } } }"
)


def test_location_add_rules(store: Store) -> None:
    """locationAdd refuses a blank or taken name and a store at its location limit; deactivated
    locations don't count (https://shopify.dev/docs/api/admin-graphql/latest/mutations/locationAdd,
    https://help.shopify.com/en/manual/locations/setting-up-your-locations)."""

    def add(name: str) -> dict[str, Any]:
        return dict(store.gql(LOCATION_ADD, {"name": name})["data"]["locationAdd"])

    assert add("  ")["userErrors"] == [{"field": ["input", "name"], "code": "BLANK"}]
    assert add("warehouse")["userErrors"] == [{"field": ["input", "name"], "code": "TAKEN"}]
    store.server.sim.state.shops[store.domain].location_limit = 4
    store.control("POST", "/seed", {"locations": [{"name": "Old", "active": False}]})
    assert add("Fourth") == {"location": {"name": "Fourth"}, "userErrors": []}
    assert add("Fifth")["userErrors"] == [{"field": None, "code": "INVALID"}]


# ---------------------------------------------------------------- 4. reads
def test_inventory_levels_query_filters_and_warns_on_unknown_fields(store: Store) -> None:
    """`inventoryLevels(query:)` filters by its documented fields (inventory_item_id, created_at,
    updated_at, ...); an unknown field is ignored and reported under `extensions.search`
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/Location#field-Location.fields.inventoryLevels,
    https://shopify.dev/docs/api/usage/search-syntax)."""
    item_num = store.item_gid("TEE-2").rsplit("/", 1)[1]
    query = (
        "query($loc: ID!, $q: String) { location(id: $loc) { inventoryLevels(first: 10, query: $q) "
        "{ nodes { item { sku } } } } }"
    )
    loc = store.location_gid("Shop location")
    only = store.gql(query, {"loc": loc, "q": f"inventory_item_id:{item_num}"})
    assert [n["item"]["sku"] for n in only["data"]["location"]["inventoryLevels"]["nodes"]] == ["TEE-2"]
    assert "search" not in only["extensions"]
    unknown = store.gql(query, {"loc": loc, "q": "sku:TEE-2"})
    assert len(unknown["data"]["location"]["inventoryLevels"]["nodes"]) == 3  # ignored, not an empty page
    assert unknown["extensions"]["search"] == [
        {
            "path": ["location", "inventoryLevels"],
            "query": "sku:TEE-2",
            "warnings": [{"field": "sku", "message": "Invalid search field for this query."}],
        }
    ]
    later = store.gql(query, {"loc": loc, "q": 'updated_at:>"2100-01-01"'})
    assert later["data"]["location"]["inventoryLevels"]["nodes"] == []


def test_product_location_levels_read_is_sorted_and_skips_inactive(store: Store) -> None:
    """The product's paged level read (LOCATION_INVENTORY_LEVELS_PAGE) sees active levels only
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/Location#field-Location.fields.inventoryLevels)."""
    store.control("POST", "/levels", {"sku": "TEE-2", "location": "Warehouse", "available": 2, "active": False})
    answer = product_gql(
        store, documents.LOCATION_INVENTORY_LEVELS_PAGE, {"locationId": store.location_gid("Warehouse"), "first": 10}
    )
    nodes = answer["data"]["location"]["inventoryLevels"]["nodes"]
    assert [n["item"]["sku"] for n in nodes] == ["TEE-1"]


def test_multi_item_set_reports_each_row_in_input_order(store: Store) -> None:
    """The order of a multi-item group's changes is not documented
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/InventoryAdjustmentGroup#field-InventoryAdjustmentGroup.fields.changes
    says only "The set of inventory quantity changes that occurred") and no capture holds a group of
    two changed rows. Every single-row capture lists the named quantity then `on_hand`; we keep that
    per row, rows in input order (approximated, docs/shopify-simulator.md). The product reads the
    changes as a set (adapters/shopify/admin_operations.py), so nothing it does depends on this order."""
    rows: list[tuple[str, str, int, int | None]] = [("MUG-1", "Shop location", 9, 7), ("TEE-1", "Warehouse", 4, 10)]
    answer = product_gql(
        store,
        documents.INVENTORY_SET_QUANTITIES,
        {"input": set_input(store, rows), "idempotencyKey": "order-1"},
    )
    changes = answer["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"]
    mug, tee = store.item_gid("MUG-1"), store.item_gid("TEE-1")
    assert [(c["name"], c["delta"], c["item"]["id"]) for c in changes] == [
        ("available", 2, mug),
        ("on_hand", 2, mug),
        ("available", -6, tee),
        ("on_hand", -6, tee),
    ]


# ---------------------------------------------------------------- 6. seed expressiveness
def seed_captured_ids(store: Store, location: str, title: str, sku: str, *other_products: dict[str, Any]) -> None:
    """Seeds the ids of capture 2026-04_products_inventory-quantity-contracts-2026-04.json: its
    location, product, variant and inventory item, 9 available there (names and SKU the test's own)."""
    captured = {
        "title": title,
        "id": 10220854182194,
        "variants": [{"sku": sku, "id": 51364592877874, "inventory_item_id": 53469430055218}],
    }
    store.control(
        "POST",
        "/seed",
        {
            "locations": [{"name": location, "id": 106318430514}],
            "products": [captured, *other_products],
            "levels": [{"inventory_item_id": 53469430055218, "location_id": 106318430514, "available": 9}],
        },
    )


def test_seed_with_captured_ids_skuless_shared_skus_untracked_and_gift_cards(
    store: Store, gateway: ShopifyAdminOperations
) -> None:
    """A seed can say what a real store holds: its own ids (so captured payloads replay), variants
    without a SKU, several variants sharing a SKU, untracked items, gift cards
    (https://shopify.dev/docs/api/admin-graphql/latest/objects/ProductVariant#field-ProductVariant.fields.sku,
    https://shopify.dev/docs/api/admin-graphql/latest/objects/InventoryItem#field-InventoryItem.fields.duplicateSkuCount,
    https://shopify.dev/docs/api/admin-graphql/latest/objects/Product#field-Product.fields.isGiftCard)."""
    seed_captured_ids(
        store,
        "Captured",
        "Captured tee",
        "CAP-1",
        {"title": "Plain", "variants": [{}, {"sku": "SHARED"}, {"sku": "SHARED", "tracked": False}]},
        {"title": "Gift card", "gift_card": True, "variants": [{"sku": "GIFT-25", "tracked": False}]},
    )
    read = store.gql(
        '{ inventoryItem(id: "gid://shopify/InventoryItem/53469430055218") { variant { id product { id } } '
        'inventoryLevels(first: 5) { nodes { location { id } quantities(names: ["available"]) { quantity } } } } }'
    )["data"]["inventoryItem"]
    assert read == {
        "variant": {
            "id": "gid://shopify/ProductVariant/51364592877874",
            "product": {"id": "gid://shopify/Product/10220854182194"},
        },
        "inventoryLevels": {
            "nodes": [{"location": {"id": "gid://shopify/Location/106318430514"}, "quantities": [{"quantity": 9}]}]
        },
    }
    searched = store.gql('{ productVariants(first: 10, query: "sku:SHARED") { nodes { inventoryItem { id } } } }')
    shared = searched["data"]["productVariants"]["nodes"]
    assert len(shared) == 2
    assert len({v["inventoryItem"]["id"] for v in shared}) == 2
    skus = [v.sku for v in gateway.list_variants()]
    assert None in skus  # the variant without a SKU reads back as null, and the product copes
    items = store.gql(
        '{ productVariants(first: 10, query: "sku:SHARED OR sku:GIFT-25") { nodes { sku '
        "inventoryItem { tracked requiresShipping } product { isGiftCard } } } }"
    )
    flags = sorted(
        (n["sku"], n["inventoryItem"]["tracked"], n["inventoryItem"]["requiresShipping"], n["product"]["isGiftCard"])
        for n in items["data"]["productVariants"]["nodes"]
    )
    assert flags == [("GIFT-25", False, False, True), ("SHARED", False, True, False), ("SHARED", True, True, False)]


def test_seed_refuses_a_taken_id_and_an_ambiguous_sku(store: Store) -> None:
    """Bad seeds get a clear 409 and change nothing they name: an id already used, a level named by a
    SKU that several variants share (name the inventory item instead)."""
    loc_id = int(store.location_gid("Warehouse").rsplit("/", 1)[1])
    url = f"{store.server.base_url}/_control/shops/{store.domain}/seed"
    taken = store.http.post(url, json={"locations": [{"name": "Twin", "id": loc_id}]})
    assert taken.status_code == 409
    assert "already used" in taken.json()["error"]
    store.control("POST", "/seed", {"products": [{"title": "Two", "variants": [{"sku": "DUP"}, {"sku": "DUP"}]}]})
    ambiguous = store.http.post(url, json={"levels": [{"sku": "DUP", "location": "Warehouse", "available": 1}]})
    assert ambiguous.status_code == 409
    assert "inventory_item_id" in ambiguous.json()["error"]


# ---------------------------------------------------------------- 5. cost
@pytest.mark.parametrize(
    ("query", "requested"),
    [
        ("{ shop { id name } }", 1),  # an object 1, its scalars 0
        # a connection sized by first: 2 + ceil(item x max(1, log2(first) + 0.5))
        ("{ locations(first: 4) { nodes { id name isActive } } }", 2 + 3),
        ("{ locations(last: 3) { edges { node { id } } } }", 2 + 3),  # ... or by last
        ("{ locations(first: 1) { nodes { id } } }", 2 + 1),  # one item is charged as one
        (  # nested pages multiply: 1 + 2 + ceil(1 x 2.5) inside each of ceil(2.5) outer items
            "{ locations(first: 4) { nodes { inventoryLevels(first: 4) { nodes { id } } } } }",
            2 + math.ceil((1 + 2 + 3) * 2.5),
        ),
        # Node is an interface: the maximum of the possible selections (InventoryItem's 1 + variant 1).
        (
            '{ node(id: "gid://shopify/Location/1") { id ... on InventoryItem { variant { id } } '
            "... on Location { name } } }",
            2,
        ),
    ],
)
def test_requested_cost_by_the_published_rules(store: Store, query: str, requested: int) -> None:
    """Scalars and enums 0, objects 1, interfaces the maximum of their possible selections,
    connections sized by first/last, mutations 10
    (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits, "Cost calculation"); the
    page curve is fitted to Shopify's answers (cost.py, test_cost_captures.py)."""
    assert store.gql(query)["extensions"]["cost"]["requestedQueryCost"] == requested


def test_captured_read_replays_with_shopify_actual_cost(store: Store) -> None:
    """A captured read against a seed holding the captured ids answers the captured data and the
    captured requestedQueryCost (15) and actualQueryCost (9)
    (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits; capture
    2026-04_products_inventory-quantity-contracts-2026-04.json, upstreamCalls[1])."""
    call = load_capture("2026-04_products_inventory-quantity-contracts-2026-04.json")["upstreamCalls"][1]
    seed_captured_ids(store, "Shop location 2", "Captured", "CAP")
    answer = store.gql(call["query"], call["variables"])
    theirs = call["response"]["body"]
    assert answer["data"]["inventoryItem"]["variant"] == theirs["data"]["inventoryItem"]["variant"]
    assert answer["data"]["product"] == theirs["data"]["product"]
    assert answer["extensions"]["cost"]["actualQueryCost"] == theirs["extensions"]["cost"]["actualQueryCost"]
    assert answer["extensions"]["cost"]["requestedQueryCost"] == theirs["extensions"]["cost"]["requestedQueryCost"]
