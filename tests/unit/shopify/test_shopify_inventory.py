"""ShopifyAdminOperations: typed writes (CAS, userErrors, the 250 cap), paged reads and bulk levels."""

import json
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations, parse_bulk_levels
from inventory_ledger.adapters.shopify.errors import BulkOperationError, ShopifyGraphQLError, ShopifyUserErrors
from inventory_ledger.adapters.shopify.models import (
    AdjustQuantity,
    BulkOperation,
    BulkOperationStatus,
    LevelSnapshot,
    QuantityStatus,
    SetQuantity,
)
from tests.support.shopify_fakes import TOKEN, FakeClock, FakeShopify, capture, cost_extension, make_client

BIG_ITEM = "gid://shopify/InventoryItem/271878346596884015"  # beyond 2^53
BIG_LOCATION = "gid://shopify/Location/9007199254740993"  # 2^53 + 1
LOCATION = "gid://shopify/Location/106318430514"


def quantity(i: int, *, change_from: int | None = 0) -> SetQuantity:
    return SetQuantity(
        inventory_item_id=f"gid://shopify/InventoryItem/{1000 + i}",
        location_id=LOCATION,
        quantity=i,
        change_from_quantity=change_from,
    )


def mutation_answer(name: str, payload: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"data": {name: payload}, "extensions": cost_extension(10, 10, 1990)})


CAPTURED_ITEM = "gid://shopify/InventoryItem/53469430055218"  # the item of the 2026-04 quantity captures


def answer_as_captured(shopify: FakeShopify, mutation: str) -> None:
    """Shopify's next answer: its real success answer to the mutation (2026-04 capture)."""
    answer = capture("2026-04_products_inventory-quantity-contracts-2026-04.json")[mutation]
    shopify.script.append(httpx.Response(200, json=answer["response"]))


def sent(shopify: FakeShopify, index: int = -1) -> dict[str, Any]:
    return json.loads(shopify.requests[index].content)


# ---------------------------------------------------------------- set_available
def test_set_available_applies_and_sends_the_cas_input(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    # Given Shopify's real success answer (2026-04 capture)
    answer_as_captured(shopify, "inventorySetQuantities")
    q = SetQuantity(inventory_item_id=CAPTURED_ITEM, location_id=LOCATION, quantity=5, change_from_quantity=0)

    # When a quantity is set
    result = gateway.set_available(
        [q], reason="correction", reference_document_uri="gid://inventory-ledger/Push/1", idempotency_key="push-1-v3"
    )

    # Then it applied, and Shopify received available + CAS + the idempotency key as given
    assert result.applied
    assert [o.status for o in result.outcomes] == [QuantityStatus.APPLIED]
    assert {(c.name, c.delta) for c in result.changes} == {("available", 5), ("on_hand", 5)}
    variables = sent(shopify)["variables"]
    assert variables["idempotencyKey"] == "push-1-v3"
    assert variables["input"] == {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://inventory-ledger/Push/1",
        "quantities": [
            {
                "inventoryItemId": "gid://shopify/InventoryItem/53469430055218",
                "locationId": LOCATION,
                "quantity": 5,
                "changeFromQuantity": 0,
            }
        ],
    }


def test_no_cas_is_sent_as_an_explicit_null(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    shopify.script.append(
        mutation_answer("inventorySetQuantities", {"inventoryAdjustmentGroup": None, "userErrors": []})
    )
    gateway.set_available(
        [quantity(1, change_from=None)], reason="correction", reference_document_uri=None, idempotency_key="k"
    )
    (q,) = sent(shopify)["variables"]["input"]["quantities"]
    assert "changeFromQuantity" in q
    assert q["changeFromQuantity"] is None


def test_stale_cas_marks_the_stale_pairs_and_nothing_applied(
    gateway: ShopifyAdminOperations, shopify: FakeShopify
) -> None:
    # Given five quantities of which the fourth (index 3) no longer matches what Shopify shows
    quantities = [quantity(i) for i in range(5)]
    shopify.script.append(
        mutation_answer(
            "inventorySetQuantities",
            {
                "inventoryAdjustmentGroup": None,
                "userErrors": [
                    {
                        "field": ["input", "quantities", "3", "changeFromQuantity"],
                        "message": "The specified compare quantity does not match the current quantity.",
                        "code": "CHANGE_FROM_QUANTITY_STALE",
                    }
                ],
            },
        )
    )

    # When they are set
    result = gateway.set_available(quantities, reason="correction", reference_document_uri=None, idempotency_key="k")

    # Then the result names the stale item/location pair; the rest were refused with it
    assert not result.applied
    assert [(q.inventory_item_id, q.location_id) for q in result.stale] == [
        ("gid://shopify/InventoryItem/1003", LOCATION)
    ]
    assert result.not_applied == [quantities[i] for i in (0, 1, 2, 4)]


def test_stale_cas_without_a_readable_path_marks_every_quantity_stale(
    gateway: ShopifyAdminOperations, shopify: FakeShopify
) -> None:
    shopify.script.append(
        mutation_answer(
            "inventorySetQuantities",
            {"userErrors": [{"field": None, "message": "stale", "code": "CHANGE_FROM_QUANTITY_STALE"}]},
        )
    )
    result = gateway.set_available(
        [quantity(0), quantity(1)], reason="correction", reference_document_uri=None, idempotency_key="k"
    )
    assert len(result.stale) == 2


@pytest.mark.parametrize(
    "user_errors",
    [
        [
            {
                "field": ["idempotencyKey"],
                "message": "Key reused with other arguments",
                "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
            }
        ],
        [
            {
                "field": ["input", "quantities", "0", "changeFromQuantity"],
                "message": "stale",
                "code": "CHANGE_FROM_QUANTITY_STALE",
            },
            {
                "field": ["input", "quantities", "1", "quantity"],
                "message": "The quantity can't be higher than 1,000,000,000.",
                "code": "INVALID_QUANTITY_TOO_HIGH",
            },
        ],
    ],
    ids=["parameter-mismatch", "stale-plus-other"],
)
def test_other_user_errors_raise_with_their_codes(
    gateway: ShopifyAdminOperations, shopify: FakeShopify, user_errors: list[dict[str, Any]]
) -> None:
    shopify.script.append(
        mutation_answer("inventorySetQuantities", {"inventoryAdjustmentGroup": None, "userErrors": user_errors})
    )
    with pytest.raises(ShopifyUserErrors) as raised:
        gateway.set_available(
            [quantity(0), quantity(1)], reason="correction", reference_document_uri=None, idempotency_key="k"
        )
    assert raised.value.codes == {e["code"] for e in user_errors}


def test_real_duplicate_pair_user_errors_raise(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    case = capture("2026-04_products_inventorySetQuantities-name-validation.json")["cases"]["duplicatePair"]
    response = case["response"] if "response" in case else case["mutation"]["response"]
    shopify.script.append(httpx.Response(200, json=response))
    with pytest.raises(ShopifyUserErrors) as raised:
        gateway.set_available(
            [quantity(0), quantity(0)], reason="correction", reference_document_uri=None, idempotency_key="k"
        )
    assert raised.value.codes == {"NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"}
    assert raised.value.user_errors[0].field == ("input", "quantities", "0", "locationId")


def test_at_most_250_quantities_per_call(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    shopify.handlers["InventorySetQuantities"] = lambda _v: {"inventorySetQuantities": {"userErrors": []}}
    with pytest.raises(ValueError, match="250"):
        gateway.set_available(
            [quantity(i) for i in range(251)], reason="correction", reference_document_uri=None, idempotency_key="k"
        )
    assert shopify.requests == []
    result = gateway.set_available(
        [quantity(i) for i in range(250)], reason="correction", reference_document_uri=None, idempotency_key="k"
    )
    assert len(result.outcomes) == 250
    assert result.applied
    with pytest.raises(ValueError, match="at least one"):
        gateway.set_available([], reason="correction", reference_document_uri=None, idempotency_key="k")


def test_ids_beyond_2_53_reach_shopify_intact(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    shopify.script.append(mutation_answer("inventorySetQuantities", {"userErrors": []}))
    gateway.set_available(
        [SetQuantity(inventory_item_id=BIG_ITEM, location_id=BIG_LOCATION, quantity=3, change_from_quantity=2)],
        reason="correction",
        reference_document_uri=None,
        idempotency_key="k",
    )
    raw = shopify.requests[-1].content.decode()
    assert "271878346596884015" in raw
    assert "9007199254740993" in raw


def test_quantities_must_be_ints_and_ids_gids() -> None:
    with pytest.raises(ValidationError):
        SetQuantity(inventory_item_id=BIG_ITEM, location_id=LOCATION, quantity=1.0, change_from_quantity=0)
    with pytest.raises(ValidationError):
        SetQuantity(inventory_item_id="271878346596884015", location_id=LOCATION, quantity=1, change_from_quantity=0)


def test_adjust_available_sends_deltas_and_raises_on_user_errors(
    gateway: ShopifyAdminOperations, shopify: FakeShopify
) -> None:
    answer_as_captured(shopify, "inventoryAdjustQuantities")
    change = AdjustQuantity(inventory_item_id=CAPTURED_ITEM, location_id=LOCATION, delta=2, change_from_quantity=5)
    result = gateway.adjust_available([change], reason="correction", reference_document_uri=None, idempotency_key="a")
    assert {(c.name, c.delta) for c in result.changes} == {("available", 2), ("on_hand", 2)}
    assert sent(shopify)["variables"]["input"]["changes"][0] == {
        "inventoryItemId": "gid://shopify/InventoryItem/53469430055218",
        "locationId": LOCATION,
        "delta": 2,
        "changeFromQuantity": 5,
    }
    shopify.script.append(
        mutation_answer(
            "inventoryAdjustQuantities",
            {
                "userErrors": [
                    {
                        "field": ["input", "changes", "0", "changeFromQuantity"],
                        "message": "stale",
                        "code": "CHANGE_FROM_QUANTITY_STALE",
                    }
                ]
            },
        )
    )
    with pytest.raises(ShopifyUserErrors):
        gateway.adjust_available([change], reason="correction", reference_document_uri=None, idempotency_key="b")


# ---------------------------------------------------------------- paged reads
def paged(key_path: list[str], pages: list[list[dict[str, Any]]]) -> Any:
    """A handler answering ``pages`` in order, following the `after` cursor."""

    def handler(variables: dict[str, Any]) -> dict[str, Any]:
        index = 0 if variables.get("after") is None else int(variables["after"].removeprefix("cursor-"))
        connection = {
            "nodes": pages[index],
            "pageInfo": {"hasNextPage": index + 1 < len(pages), "endCursor": f"cursor-{index + 1}"},
        }
        for key in reversed(key_path):
            connection = {key: connection}
        return connection

    return handler


def test_list_locations_follows_cursors(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    shopify.handlers["LocationsPage"] = paged(
        ["locations"],
        [
            [{"id": LOCATION, "name": "Shop location", "isActive": True, "fulfillsOnlineOrders": True}],
            [{"id": BIG_LOCATION, "name": "Warehouse", "isActive": False, "fulfillsOnlineOrders": False}],
        ],
    )
    locations = list(gateway.list_locations(page_size=1))
    assert [(loc.id, loc.name, loc.is_active) for loc in locations] == [
        (LOCATION, "Shop location", True),
        (BIG_LOCATION, "Warehouse", False),
    ]
    assert [sent(shopify, i)["variables"]["after"] for i in range(2)] == [None, "cursor-1"]
    assert sent(shopify, 0)["variables"]["first"] == 1


def test_list_variants_sends_no_search(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    shopify.handlers["ProductVariantsPage"] = paged(
        ["productVariants"],
        [
            [
                {"id": "gid://shopify/ProductVariant/1", "sku": None, "inventoryItem": {"id": BIG_ITEM}},
            ]
        ],
    )
    assert [v.sku for v in gateway.list_variants()] == [None]
    assert sent(shopify)["variables"]["query"] is None


def level_node(item: str, sku: str | None, available: int, committed: int, on_hand: int) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/InventoryLevel/1?inventory_item_id={item.rsplit('/', 1)[-1]}",
        "item": {"id": item, "sku": sku},
        "quantities": [
            {"name": "available", "quantity": available},
            {"name": "committed", "quantity": committed},
            {"name": "on_hand", "quantity": on_hand},
        ],
    }


def test_location_levels_yields_the_three_quantities(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    shopify.handlers["LocationInventoryLevelsPage"] = paged(
        ["location", "inventoryLevels"],
        [
            [level_node(BIG_ITEM, "A-1", -2, 3, 1)],
            [level_node("gid://shopify/InventoryItem/7", "B-2", 5, 0, 5)],
        ],
    )
    levels = list(gateway.location_levels(BIG_LOCATION))
    assert levels == [
        LevelSnapshot(
            location_id=BIG_LOCATION, inventory_item_id=BIG_ITEM, sku="A-1", available=-2, committed=3, on_hand=1
        ),
        LevelSnapshot(
            location_id=BIG_LOCATION,
            inventory_item_id="gid://shopify/InventoryItem/7",
            sku="B-2",
            available=5,
            committed=0,
            on_hand=5,
        ),
    ]
    assert sent(shopify, 0)["variables"]["locationId"] == BIG_LOCATION


def test_unknown_location_is_an_error(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    shopify.handlers["LocationInventoryLevelsPage"] = lambda _v: {"location": None}
    with pytest.raises(ShopifyGraphQLError, match="location"):
        list(gateway.location_levels(LOCATION))


def test_float_quantities_from_shopify_are_rejected(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    node = level_node(BIG_ITEM, "A-1", 1, 0, 1)
    node["quantities"][0]["quantity"] = 1.0
    shopify.handlers["LocationInventoryLevelsPage"] = paged(["location", "inventoryLevels"], [[node]])
    with pytest.raises(ValidationError):
        list(gateway.location_levels(LOCATION))


# ---------------------------------------------------------------- bulk
BULK_ID = "gid://shopify/BulkOperation/7933223797042"


def test_run_bulk_levels_starts_the_operation(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    shopify.handlers["BulkLevelsRun"] = lambda _v: {
        "bulkOperationRunQuery": {
            "bulkOperation": {"id": BULK_ID, "status": "CREATED", "errorCode": None, "objectCount": "0", "url": None},
            "userErrors": [],
        }
    }
    operation = gateway.run_bulk_levels()
    assert operation.id == BULK_ID
    assert operation.status is BulkOperationStatus.CREATED
    assert not operation.finished
    inner = sent(shopify)["variables"]["query"]
    assert "inventoryLevels" in inner
    assert "quantities" in inner


def test_run_bulk_levels_in_progress_is_a_typed_error(gateway: ShopifyAdminOperations, shopify: FakeShopify) -> None:
    run = capture("2026-04_bulk-operations_bulk-operation-run-query-concurrency-limit.json")["sixthRun"]
    shopify.script.append(httpx.Response(200, json=run["response"]))
    with pytest.raises(BulkOperationError) as raised:
        gateway.run_bulk_levels()
    assert raised.value.code == "OPERATION_IN_PROGRESS"


def test_bulk_status_and_download(clock: FakeClock) -> None:
    # Given a completed bulk operation whose JSONL sits on signed storage
    jsonl = "\n".join(
        [
            json.dumps({"id": BIG_LOCATION}),
            json.dumps({**level_node(BIG_ITEM, "A-1", 4, 1, 5), "__parentId": BIG_LOCATION}),
            json.dumps({"id": LOCATION}),
            json.dumps({**level_node("gid://shopify/InventoryItem/8", None, 0, 0, 0), "__parentId": LOCATION}),
            "",
        ]
    )
    storage: list[httpx.Request] = []
    shopify = FakeShopify(clock=clock)
    shopify.handlers["BulkOperationStatus"] = lambda v: {
        "bulkOperation": {
            "id": v["id"],
            "status": "COMPLETED",
            "errorCode": None,
            "objectCount": "4",
            "url": "https://storage.example/bulk/result.jsonl",
            "partialDataUrl": None,
        }
    }

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.example":
            storage.append(request)
            if len(storage) == 1:
                return httpx.Response(503)
            return httpx.Response(200, content=jsonl.encode())
        return shopify(request)

    client = make_client(shopify, clock)
    client._http = httpx.Client(transport=httpx.MockTransport(route))
    gateway = ShopifyAdminOperations(client)

    # When its status is read and its levels downloaded
    operation = gateway.bulk_status(BULK_ID)
    levels = list(gateway.bulk_levels(operation))

    # Then ids are exact, levels carry their location, and the token never left for storage
    assert operation.finished
    assert operation.object_count == 4
    assert [(lv.location_id, lv.inventory_item_id, lv.available, lv.on_hand) for lv in levels] == [
        (BIG_LOCATION, BIG_ITEM, 4, 5),
        (LOCATION, "gid://shopify/InventoryItem/8", 0, 0),
    ]
    assert len(storage) == 2  # the 503 was retried
    assert all("X-Shopify-Access-Token" not in r.headers for r in storage)
    assert TOKEN not in str([dict(r.headers) for r in storage])


def test_bulk_levels_refuses_unfinished_operations(gateway: ShopifyAdminOperations) -> None:
    running = BulkOperation(id=BULK_ID, status=BulkOperationStatus.RUNNING)
    with pytest.raises(BulkOperationError):
        gateway.bulk_levels(running)
    done_empty = BulkOperation(id=BULK_ID, status=BulkOperationStatus.COMPLETED, url=None)
    assert list(gateway.bulk_levels(done_empty)) == []


def test_parse_bulk_levels_skips_parent_lines() -> None:
    lines = [json.dumps({"id": LOCATION}), json.dumps({**level_node(BIG_ITEM, "S", 1, 2, 3), "__parentId": LOCATION})]
    (level,) = parse_bulk_levels(lines)
    assert level == LevelSnapshot(
        location_id=LOCATION, inventory_item_id=BIG_ITEM, sku="S", available=1, committed=2, on_hand=3
    )
