"""Cost, throttling, idempotency, compare-and-swap, auth, unimplemented fields, bulk JSONL, faults."""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import TOKEN, Store

SET = (
    "mutation S($input: InventorySetQuantitiesInput!, $key: String!) {\n"
    "  inventorySetQuantities(input: $input) @idempotent(key: $key) {\n"
    "    inventoryAdjustmentGroup { id changes { name delta } }\n    userErrors { field message code }\n  }\n}"
)


def set_vars(store: Store, quantity: int, change_from: int | None, key: str, sku: str = "TEE-1") -> dict[str, object]:
    q = {
        "inventoryItemId": store.item_gid(sku),
        "locationId": store.location_gid("Warehouse"),
        "quantity": quantity,
        "changeFromQuantity": change_from,
    }
    return {"input": {"name": "available", "reason": "correction", "quantities": [q]}, "key": key}


@pytest.mark.parametrize(
    ("query", "requested"),
    [
        ("{ shop { name } }", 1),
        ("{ locations(first: 10) { nodes { id name } } }", 6),  # 2 + ceil(1 x (log2 10 + 0.5))
        ("{ locations(first: 5) { edges { cursor node { id } } pageInfo { hasNextPage } } }", 5),
        # an item (1) + 2 + ceil(3 x (log2 3 + 0.5)), a level being level 1 + location 1 + quantities 1
        (
            "query($id: ID!) { inventoryItem(id: $id) { inventoryLevels(first: 3) { nodes { location { id } "
            'quantities(names: ["available"]) { quantity } } } } }',
            10,
        ),
    ],
)
def test_requested_cost(store: Store, query: str, requested: int) -> None:
    answer = store.gql(query, {"id": store.item_gid("TEE-1")} if "$id" in query else None)
    assert answer["extensions"]["cost"]["requestedQueryCost"] == requested


def test_actual_cost_counts_returned_nodes(store: Store) -> None:
    answer = store.gql("{ locations(first: 50) { nodes { id } } }")
    cost = answer["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (9, 5)  # three locations returned
    assert cost["throttleStatus"] == {"maximumAvailable": 2000, "currentlyAvailable": 1995, "restoreRate": 100}


def test_throttled_then_restored_by_the_clock(store: Store) -> None:
    store.control("PUT", "/plan", {"currently_available": 5})
    throttled = store.gql("{ locations(first: 10) { nodes { id } } }")
    assert throttled == {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
            }
        ],
        "extensions": {
            "cost": {
                "requestedQueryCost": 6,
                "actualQueryCost": None,
                "throttleStatus": {"maximumAvailable": 2000, "currentlyAvailable": 5, "restoreRate": 100},
            }
        },
    }
    store.server.sim.advance(0.08)  # 8 points at 100/s: 13 available
    ok = store.gql("{ locations(first: 10) { nodes { id } } }")
    assert "errors" not in ok
    assert ok["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 13 - 6 + (6 - 5)  # refund


def test_plan_restore_rate(store: Store) -> None:
    assert store.control("PUT", "/plan", {"plan": "plus"})["throttle_status"]["restoreRate"] == 1000


def test_max_cost_exceeded(store: Store) -> None:
    # Pages are priced by log2 of their size, so it takes three nested pages of 250 to pass 1,000.
    answer = store.gql(
        "{ locations(first: 250) { nodes { inventoryLevels(first: 250) { nodes { item { "
        "inventoryLevels(first: 250) { nodes { location { id } } } } } } } } }"
    )
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["maxCost"] == 1000
    assert error["message"].startswith(f"Query cost is {error['extensions']['cost']}, which exceeds")
    assert answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000  # nothing charged


def test_idempotent_replay_and_mismatch(store: Store) -> None:
    first = store.gql(SET, set_vars(store, 12, 10, "k-1"))
    again = store.gql(SET, set_vars(store, 12, 10, "k-1"))
    assert first["data"] == again["data"]  # same group id: replayed, not applied twice
    assert store.qty("TEE-1", "Warehouse") == 12
    other = store.gql(SET, set_vars(store, 13, 12, "k-1"))
    assert other["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert store.qty("TEE-1", "Warehouse") == 12


def test_change_from_quantity_stale_applies_nothing(store: Store) -> None:
    stale = store.gql(SET, set_vars(store, 3, 9, "k-stale"))
    payload = stale["data"]["inventorySetQuantities"]
    assert payload["inventoryAdjustmentGroup"] is None
    assert payload["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert payload["userErrors"][0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert store.qty("TEE-1", "Warehouse") == 10
    unchecked = store.gql(SET, set_vars(store, 3, None, "k-null"))  # explicit null: no check
    assert unchecked["data"]["inventorySetQuantities"]["userErrors"] == []
    assert store.qty("TEE-1", "Warehouse") == 3


def test_forced_stale(store: Store) -> None:
    store.control("POST", "/faults/stale", {"sku": "TEE-1", "location": "Warehouse", "count": 1})
    first = store.gql(SET, set_vars(store, 4, 10, "k-a"))
    assert first["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    second = store.gql(SET, set_vars(store, 4, 10, "k-b"))
    assert second["data"]["inventorySetQuantities"]["userErrors"] == []
    assert store.qty("TEE-1", "Warehouse") == 4


def test_wrong_token_is_401_with_shopify_body(store: Store) -> None:
    r = store.http.post(
        store.server.graphql_url(store.domain),
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": "nope"},
    )
    assert r.status_code == 401
    assert r.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def test_unimplemented_field_is_a_named_error(store: Store) -> None:
    answer = store.gql("{ locations(first: 1) { nodes { id address { city } } } }")
    assert "Location.address" in answer["errors"][0]["message"]
    assert answer["errors"][0]["extensions"]["code"] == "NOT_IMPLEMENTED_BY_SIMULATOR"


def test_variant_by_sku_and_paging(store: Store) -> None:
    answer = store.gql('{ productVariants(first: 5, query: "sku:MUG-1") { nodes { sku inventoryItem { id } } } }')
    assert answer["data"]["productVariants"]["nodes"] == [
        {"sku": "MUG-1", "inventoryItem": {"id": store.item_gid("MUG-1")}}
    ]
    page1 = store.gql("{ locations(first: 2) { nodes { name } pageInfo { hasNextPage endCursor } } }")["data"][
        "locations"
    ]
    assert page1["pageInfo"]["hasNextPage"] is True
    query = "query($after: String) { locations(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage } } }"
    page2 = store.gql(query, {"after": page1["pageInfo"]["endCursor"]})["data"]["locations"]
    # Sorted by name, Shopify's default sortKey for locations.
    assert [n["name"] for n in page1["nodes"] + page2["nodes"]] == ["Retail", "Shop location", "Warehouse"]
    assert page2["pageInfo"]["hasNextPage"] is False


def test_bulk_query_jsonl(store: Store) -> None:
    run = store.gql(
        'mutation { bulkOperationRunQuery(query: "{ inventoryItems { edges { node { id sku inventoryLevels { edges '
        '{ node { id quantities(names: [\\"available\\", \\"committed\\"]) { name quantity } } } } } } } }") '
        "{ bulkOperation { id status } userErrors { field message code } } }",
        version="2026-07",
    )
    op = run["data"]["bulkOperationRunQuery"]["bulkOperation"]
    assert op["status"] == "CREATED"
    done = store.gql("{ currentBulkOperation { id status url objectCount rootObjectCount } }", version="2026-07")
    current = done["data"]["currentBulkOperation"]
    assert current["status"] == "COMPLETED"
    assert current["rootObjectCount"] == "3"
    lines = [json.loads(x) for x in httpx.get(current["url"], trust_env=False).text.splitlines()]
    assert len(lines) == int(current["objectCount"]) == 3 + 5
    tee = next(x for x in lines if x.get("sku") == "TEE-1")
    children = [x for x in lines if x.get("__parentId") == tee["id"]]
    assert len(children) == 3
    assert lines.index(tee) < min(lines.index(c) for c in children)  # parents before children


def test_faults_status_and_drop(store: Store) -> None:
    store.control("POST", "/faults", {"kind": "status", "status": 429, "count": 1, "retry_after": 2})
    store.control("POST", "/faults", {"kind": "drop", "count": 1})
    url, headers = store.server.graphql_url(store.domain), {"X-Shopify-Access-Token": TOKEN}
    r = store.http.post(url, json={"query": "{ shop { name } }"}, headers=headers)
    assert (r.status_code, r.headers["Retry-After"]) == (429, "2")
    with pytest.raises(httpx.TransportError):
        store.http.post(url, json={"query": "{ shop { name } }"}, headers=headers)
    assert store.http.post(url, json={"query": "{ shop { name } }"}, headers=headers).status_code == 200
