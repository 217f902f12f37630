"""Real Shopify answers (shared/shopify/payloads/graphql-captures-*) reproduced field for field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Store, load_capture

GROUP = """
      inventoryAdjustmentGroup {
        reason
        referenceDocumentUri
        changes { name delta item { id } location { id name } }
      }
      userErrors { field message code }"""


def remap(value: Any, mapping: dict[str, str]) -> Any:
    text = json.dumps(value)
    for old, new in mapping.items():
        text = text.replace(old, new)
    return json.loads(text)


def ids_of(variables: dict[str, Any]) -> tuple[set[str], set[str]]:
    text = json.dumps(variables)
    items = {w.strip('"') for w in text.split() if "gid://shopify/InventoryItem/" in w}
    locs = {w.strip('",') for w in text.split() if "gid://shopify/Location/" in w}
    return {i.rstrip('",') for i in items}, locs


def run_case(store: Store, case: dict[str, Any], version: str = "2026-04") -> tuple[dict[str, Any], dict[str, Any]]:
    """Send the captured document with our ids; return (our answer, the capture's, in our ids)."""
    items, locs = ids_of(case["variables"])
    mapping = {i: store.item_gid("TEE-1") for i in items} | {loc: store.location_gid("Shop location") for loc in locs}
    ours = store.gql(case["query"], remap(case["variables"], mapping), version=version)
    return ours, remap(case["response"], mapping)


@pytest.mark.parametrize(
    ("file", "case_name"),
    [
        ("2026-04_products_inventorySetQuantities-quantity-bounds.json", "onHandNegative"),
        ("2026-04_products_inventorySetQuantities-quantity-bounds.json", "availableTooLow"),
        ("2026-04_products_inventorySetQuantities-quantity-bounds.json", "availableNegativeWithinBounds"),
        ("2026-04_products_inventorySetQuantities-name-validation.json", "damaged"),
        ("2026-04_products_inventorySetQuantities-name-validation.json", "committed"),
        ("2026-04_products_inventorySetQuantities-name-validation.json", "onHand"),
        ("2026-04_products_inventorySetQuantities-name-validation.json", "availableTooHigh"),
        ("2026-04_products_inventorySetQuantities-name-validation.json", "duplicatePair"),
        ("2026-04_products_inventory-adjust-name-allowlist.json", "adjustOnHand"),
        ("2026-04_products_inventory-adjust-name-allowlist.json", "adjustCommitted"),
        ("2026-04_products_inventory-adjust-name-allowlist.json", "setOnHand"),
    ],
)
def test_captured_case_is_reproduced_exactly(store: Store, file: str, case_name: str) -> None:
    # A fresh shop per case: even throttleStatus.currentlyAvailable matches the capture.
    ours, expected = run_case(store, load_capture(file)["cases"][case_name])
    assert ours == expected


CONTRACTS = "2026-04_products_inventory-quantity-contracts-2026-04.json"


# The contracts capture does not include its documents: these are written so that the fields and
# the error locations (line 3 column 5; the $input definition on line 2) land where Shopify saw them.
def _named(column: int, stem: str) -> str:
    """An operation name long enough that `$input` starts at `column` of line 2."""
    return (stem + "X" * 80)[: column - len("  mutation ") - 2]


SET_MISSING_CHANGE_FROM = (
    f"#graphql\n  mutation {_named(41, 'InventorySetQuantities')}($input: InventorySetQuantitiesInput!) {{\n"
    "    inventorySetQuantities(input: $input) {" + GROUP + "\n    }\n  }\n"
)
SET_ON_HAND_MISSING_CHANGE_FROM = (
    f"#graphql\n  mutation {_named(47, 'InventorySetOnHand')}($input: InventorySetOnHandQuantitiesInput!) {{\n"
    "    inventorySetOnHandQuantities(input: $input) {" + GROUP + "\n    }\n  }\n"
)
ADJUST_MISSING_CHANGE_FROM = (
    f"#graphql\n  mutation {_named(62, 'InventoryAdjust')}($input: InventoryAdjustQuantitiesInput!) {{\n"
    "    inventoryAdjustQuantities(input: $input) {\n      userErrors { field message code }\n    }\n  }\n"
)
SET_NO_DIRECTIVE = (
    "#graphql\n  mutation SetNoDirective($input: InventorySetQuantitiesInput!) {\n"
    "    inventorySetQuantities(input: $input) {\n      userErrors { field message code }\n    }\n  }\n"
)
SET_KEYED = (
    "mutation Set($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {\n"
    "  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {\n"
    "    inventoryAdjustmentGroup { id }\n    userErrors { field message code }\n  }\n}"
)
SET_ON_HAND_KEYED = (
    "mutation Set($input: InventorySetOnHandQuantitiesInput!, $idempotencyKey: String!) {\n"
    "  inventorySetOnHandQuantities(input: $input) @idempotent(key: $idempotencyKey) {\n"
    "    inventoryAdjustmentGroup { id }\n    userErrors { field message code }\n  }\n}"
)
ADJUST_KEYED = (
    "mutation Adj($input: InventoryAdjustQuantitiesInput!, $idempotencyKey: String!) {\n"
    "  inventoryAdjustQuantities(input: $input) @idempotent(key: $idempotencyKey) {\n"
    "    inventoryAdjustmentGroup { id }\n    userErrors { field message code }\n  }\n}"
)


def contract_case(store: Store, key: str, query: str, group: str | None = None) -> None:
    capture = load_capture(CONTRACTS)
    case = (capture[group] if group else capture)[key]
    known_item = "gid://shopify/InventoryItem/53469430055218"
    known_loc = "gid://shopify/Location/106318430514"
    mapping = {known_item: store.item_gid("TEE-1"), known_loc: store.location_gid("Shop location")}
    ours = store.gql(query, remap(case["variables"], mapping))
    expected = remap(case["response"], mapping)
    if "extensions" in expected:
        # The capture's store had spent points before; everything else must match.
        ours["extensions"]["cost"]["throttleStatus"].pop("currentlyAvailable")
        expected["extensions"]["cost"]["throttleStatus"].pop("currentlyAvailable")
    assert ours == expected


@pytest.mark.parametrize(
    ("key", "query"),
    [
        ("missingSetIdempotency", SET_NO_DIRECTIVE),
        ("missingSetChangeFromQuantity", SET_MISSING_CHANGE_FROM),
        ("legacySetShape", SET_MISSING_CHANGE_FROM),
        ("missingSetOnHandChangeFromQuantity", SET_ON_HAND_MISSING_CHANGE_FROM),
        ("missingAdjustChangeFromQuantity", ADJUST_MISSING_CHANGE_FROM),
    ],
)
def test_contract_errors(store: Store, key: str, query: str) -> None:
    contract_case(store, key, query)


@pytest.mark.parametrize(
    ("key", "query"),
    [
        ("setUnknownInventoryItem", SET_KEYED),
        ("setUnknownLocation", SET_KEYED),
        ("setOnHandUnknownInventoryItem", SET_ON_HAND_KEYED),
        ("setOnHandUnknownLocation", SET_ON_HAND_KEYED),
        ("setOnHandNegativeQuantity", SET_ON_HAND_KEYED),
        ("setOnHandTooHighQuantity", SET_ON_HAND_KEYED),
        ("setOnHandInvalidReason", SET_ON_HAND_KEYED),
        ("adjustUnknownInventoryItem", ADJUST_KEYED),
        ("adjustUnknownLocation", ADJUST_KEYED),
    ],
)
def test_contract_unknown_ids_and_bounds(store: Store, key: str, query: str) -> None:
    contract_case(store, key, query, group="unknownIdValidation")


def test_contract_success_set_then_adjust(store: Store) -> None:
    capture = load_capture(CONTRACTS)
    doc = (
        "mutation S($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {\n"
        "  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {\n"
        "    inventoryAdjustmentGroup { reason referenceDocumentUri changes { name delta quantityAfterChange "
        "item { id } location { id name } } }\n    userErrors { field message code }\n  }\n}"
    )
    mapping = {
        "gid://shopify/InventoryItem/53469430055218": store.item_gid("TEE-1"),
        "gid://shopify/Location/106318430514": store.location_gid("Shop location"),
    }
    case = capture["inventorySetQuantities"]
    ours = store.gql(doc, remap(case["variables"], mapping))
    expected = remap(case["response"], mapping)
    group = expected["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]
    group.pop("id"), group.pop("createdAt")  # not selected: ids and times are the store's own
    assert ours["data"] == expected["data"]
    assert ours["extensions"]["cost"]["requestedQueryCost"] == 13
    assert ours["extensions"]["cost"]["actualQueryCost"] == 13
    assert store.qty("TEE-1", "Shop location") == 5
    assert store.qty("TEE-1", "Shop location", "on_hand") == 5


def test_max_input_size(store: Store) -> None:
    item, loc = store.item_gid("TEE-1"), store.location_gid("Shop location")
    quantities = [
        {"inventoryItemId": item, "locationId": loc, "quantity": i, "changeFromQuantity": None} for i in range(251)
    ]
    variables = {
        "input": {"name": "available", "reason": "correction", "quantities": quantities},
        "idempotencyKey": "k",
    }
    ours = store.gql(SET_KEYED, variables)
    assert ours["errors"] == [
        {
            "message": "The input array size of 251 is greater than the maximum allowed of 250.",
            "locations": [{"line": 2, "column": 3}],
            "path": ["inventorySetQuantities", "input", "quantities"],
            "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
        }
    ]
    assert "data" not in ours
    assert ours["extensions"]["cost"]["actualQueryCost"] is None
    assert store.qty("TEE-1", "Shop location") == 0


def _bulk_runs(store: Store, capture: dict[str, Any], runs: list[dict[str, Any]], version: str) -> list[dict[str, Any]]:
    store.control("PUT", "/bulk", {"duration_s": None})  # keep them running, as Shopify's were
    return [store.gql(run["query"], run["variables"], version=version) for run in runs]


def test_bulk_concurrency_limit_2026_04(store: Store) -> None:
    capture = load_capture("2026-04_bulk-operations_bulk-operation-run-query-concurrency-limit.json")
    runs = [*capture["successfulRuns"], capture["sixthRun"]]
    answers = _bulk_runs(store, capture, runs, "2026-04")
    ours_ids = [a["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"] for a in answers[:5]]
    theirs = [r["response"]["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"] for r in capture["successfulRuns"]]
    for answer, run in zip(answers[:5], capture["successfulRuns"], strict=True):
        expected = remap(run["response"], dict(zip(theirs, ours_ids, strict=True)))
        op = answer["data"]["bulkOperationRunQuery"]["bulkOperation"]
        op["createdAt"] = expected["data"]["bulkOperationRunQuery"]["bulkOperation"]["createdAt"]
        assert answer["data"] == expected["data"]
        assert answer["extensions"]["cost"]["requestedQueryCost"] == 10
    sixth = remap(capture["sixthRun"]["response"], dict(zip(theirs, ours_ids, strict=True)))
    assert answers[5]["data"] == sixth["data"]


def test_bulk_operation_in_progress_before_2026_01(store: Store) -> None:
    capture = load_capture("2025-01_bulk-operations_bulk-operation-run-query-operation-in-progress.json")
    first = capture["firstRun"]
    answers = _bulk_runs(store, capture, [first, first], "2025-10")
    our_id = answers[0]["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    their_id = first["response"]["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    expected = remap(capture["secondRun"]["response"], {their_id: our_id})
    assert answers[1]["data"] == expected["data"]
