"""Typed inventory operations over :class:`ShopifyAdminClient`: what the pusher and reconciler use."""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import batched
from typing import Any

from pydantic import TypeAdapter

from inventory_ledger.adapters.shopify import documents
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.errors import (
    BulkOperationError,
    GraphQLErrorDetail,
    ShopifyGraphQLError,
    ShopifyUserErrors,
    UserError,
)
from inventory_ledger.adapters.shopify.models import (
    MAX_QUANTITIES_PER_CALL,
    AdjustQuantity,
    AdjustResult,
    BulkOperation,
    InventoryLevelNode,
    LevelSnapshot,
    Location,
    MutationPayload,
    PageInfo,
    ProductVariant,
    QuantityOutcome,
    QuantityStatus,
    SetQuantity,
    SetResult,
)
from inventory_ledger.adapters.shopify.query_cost import FIRST_ORDERS_PAGE, orders_page_size

STALE_CODE = "CHANGE_FROM_QUANTITY_STALE"
_LOCATIONS = TypeAdapter(list[Location])
_VARIANTS = TypeAdapter(list[ProductVariant])
_LEVELS = TypeAdapter(list[InventoryLevelNode])


class ShopifyAdminOperations:
    """Inventory reads and writes of one shop."""

    def __init__(self, client: ShopifyAdminClient) -> None:
        self.client = client

    # ------------------------------------------------------------------ writes
    def set_available(
        self,
        quantities: Sequence[SetQuantity],
        *,
        reason: str,
        reference_document_uri: str | None,
        idempotency_key: str,
    ) -> SetResult:
        """Set ``available`` (compare-and-swap on each ``change_from_quantity``) in one call.

        At most 250 quantities (Shopify's input cap): the caller chunks. Shopify refuses the whole
        mutation when any quantity is stale; the result then marks the stale quantities STALE (from
        each userError's field path ``["input", "quantities", "<index>", ...]``) and the others
        NOT_APPLIED. Any other userError raises :class:`ShopifyUserErrors`.
        """
        if not quantities:
            raise ValueError("set_available needs at least one quantity")
        if len(quantities) > MAX_QUANTITIES_PER_CALL:
            raise ValueError(
                f"{len(quantities)} quantities exceed Shopify's {MAX_QUANTITIES_PER_CALL} per call; chunk them"
            )
        variables = _available_input("quantities", quantities, reason, reference_document_uri, idempotency_key)
        data = self.client.execute(documents.INVENTORY_SET_QUANTITIES, variables)
        payload = MutationPayload.model_validate(_field(data, "inventorySetQuantities"))
        if not payload.user_errors:
            changes = payload.inventory_adjustment_group.changes if payload.inventory_adjustment_group else []
            return SetResult(
                outcomes=[QuantityOutcome(quantity=q, status=QuantityStatus.APPLIED) for q in quantities],
                changes=changes,
            )
        user_errors = [UserError(e.message, e.code, tuple(e.field) if e.field else None) for e in payload.user_errors]
        if any(e.code != STALE_CODE for e in user_errors):
            raise ShopifyUserErrors("inventorySetQuantities", user_errors)
        stale = _stale_indices(user_errors, len(quantities))
        return SetResult(
            outcomes=[
                QuantityOutcome(quantity=q, status=QuantityStatus.STALE if i in stale else QuantityStatus.NOT_APPLIED)
                for i, q in enumerate(quantities)
            ]
        )

    def adjust_available(
        self,
        changes: Sequence[AdjustQuantity],
        *,
        reason: str,
        reference_document_uri: str | None,
        idempotency_key: str,
    ) -> AdjustResult:
        """Apply deltas to ``available``; any userError (stale included) raises ShopifyUserErrors."""
        if not changes:
            raise ValueError("adjust_available needs at least one change")
        if len(changes) > MAX_QUANTITIES_PER_CALL:
            raise ValueError(f"{len(changes)} changes exceed Shopify's {MAX_QUANTITIES_PER_CALL} per call")
        variables = _available_input("changes", changes, reason, reference_document_uri, idempotency_key)
        data = self.client.execute(documents.INVENTORY_ADJUST_QUANTITIES, variables)
        payload = MutationPayload.model_validate(_field(data, "inventoryAdjustQuantities"))
        if payload.user_errors:
            raise ShopifyUserErrors(
                "inventoryAdjustQuantities",
                [UserError(e.message, e.code, tuple(e.field) if e.field else None) for e in payload.user_errors],
            )
        group = payload.inventory_adjustment_group
        return AdjustResult(changes=group.changes if group else [])

    # ------------------------------------------------------------------ paged reads
    def list_locations(self, *, page_size: int = 250) -> Iterator[Location]:
        for nodes in self._pages(documents.LOCATIONS_PAGE, {}, ("locations",), page_size):
            yield from _LOCATIONS.validate_python(nodes)

    def list_variants(self, *, page_size: int = 250) -> Iterator[ProductVariant]:
        yield from self._variants(None, page_size)

    def _variants(self, query: str | None, page_size: int) -> Iterator[ProductVariant]:
        for nodes in self._pages(documents.PRODUCT_VARIANTS_PAGE, {"query": query}, ("productVariants",), page_size):
            yield from _VARIANTS.validate_python(nodes)

    def available_at(self, location_id: str, item_ids: Sequence[str]) -> dict[str, int | None]:
        """Item gid -> `available` at one location now (None: the item is not stocked there or unknown)."""
        found: dict[str, int | None] = {item_id: None for item_id in item_ids}
        wanted = list(found)
        for ids in batched(wanted, MAX_QUANTITIES_PER_CALL):
            data = self.client.execute(
                documents.INVENTORY_ITEMS_AVAILABLE_AT, {"ids": list(ids), "locationId": location_id}
            )
            for node in data.get("nodes") or []:
                if not isinstance(node, dict) or node.get("id") not in found:
                    continue
                level = node.get("inventoryLevel") or {}
                for quantity in level.get("quantities") or []:
                    if quantity.get("name") == "available" and isinstance(quantity.get("quantity"), int):
                        found[node["id"]] = quantity["quantity"]
        return found

    def orders_updated_since(self, search: str, *, page_size: int = FIRST_ORDERS_PAGE) -> Iterator[dict[str, Any]]:
        """Raw order nodes of ORDERS_UPDATED_SINCE for a search string (e.g. `updated_at:>='...'`).

        The first page is small; each next one is sized from what Shopify said the last one cost
        (`orders_page_size`), so a page stays within the single-query cap and the shop's bucket."""
        pages = self._pages(documents.ORDERS_UPDATED_SINCE, {"query": search}, ("orders",), page_size,
                            next_size=lambda first: orders_page_size(self.client.last_cost, first))  # fmt: skip
        for nodes in pages:
            yield from (node for node in nodes if isinstance(node, dict))

    def fulfillment_order(self, fulfillment_order_id: str, *, page_size: int = 100) -> dict[str, Any] | None:
        """The raw FULFILLMENT_ORDER node with every line item page gathered; None when Shopify has none."""
        return self._with_line_pages(documents.FULFILLMENT_ORDER, "fulfillmentOrder", fulfillment_order_id, page_size)

    def reverse_fulfillment_order(self, reverse_id: str, *, page_size: int = 100) -> dict[str, Any] | None:
        """The raw REVERSE_FULFILLMENT_ORDER node with every line item page gathered; None when Shopify has none."""
        return self._with_line_pages(documents.REVERSE_FULFILLMENT_ORDER, "reverseFulfillmentOrder", reverse_id,
                                     page_size)  # fmt: skip

    def _with_line_pages(self, document: str, root: str, node_id: str, page_size: int) -> dict[str, Any] | None:
        node = self.client.execute(document, {"id": node_id, "first": page_size}).get(root)
        if not isinstance(node, dict):
            return None
        if (node.get("lineItems") or {}).get("pageInfo", {}).get("hasNextPage"):
            pages = self._pages(document, {"id": node_id}, (root, "lineItems"), page_size)
            node = {**node, "lineItems": {"nodes": [line for page in pages for line in page]}}
        return node

    # An order read whole (ORDER_* documents): the catch-up's re-read of one it saw truncated.
    def order_line_items(self, order_id: str) -> Iterator[dict[str, Any]]:
        yield from self._nested(documents.ORDER_LINE_ITEMS_PAGE, order_id, ("order", "lineItems"))

    def order_fulfillments_and_refunds(self, order_id: str, *, first: int = 250) -> dict[str, list[dict[str, Any]]]:
        """The order's fulfilments and refunds (without their lines), at most ``first`` of each."""
        order = _field(self.client.execute(documents.ORDER_FULFILLMENTS_AND_REFUNDS, {"id": order_id, "first": first}),
                       "order")  # fmt: skip
        return {name: [n for n in order.get(name) or [] if isinstance(n, dict)] for name in ("fulfillments", "refunds")}

    def fulfillment_line_items(self, fulfillment_id: str) -> Iterator[dict[str, Any]]:
        yield from self._nested(
            documents.FULFILLMENT_LINE_ITEMS_PAGE, fulfillment_id, ("fulfillment", "fulfillmentLineItems")
        )

    def refund_line_items(self, refund_id: str) -> Iterator[dict[str, Any]]:
        yield from self._nested(documents.REFUND_LINE_ITEMS_PAGE, refund_id, ("refund", "refundLineItems"))

    def _nested(self, document: str, owner_id: str, path: tuple[str, ...]) -> Iterator[dict[str, Any]]:
        # 250 a page: a line costs at most 3 points, and a page's price grows with log2 of its size.
        for nodes in self._pages(document, {"id": owner_id}, path, 250):
            yield from (node for node in nodes if isinstance(node, dict))

    def location_levels(self, location_id: str, *, page_size: int = 100) -> Iterator[LevelSnapshot]:
        """Every inventory level at one location: item id, SKU, available, committed, on_hand."""
        pages = self._pages(
            documents.LOCATION_INVENTORY_LEVELS_PAGE,
            {"locationId": location_id},
            ("location", "inventoryLevels"),
            page_size,
        )
        for nodes in pages:
            for node in _LEVELS.validate_python(nodes):
                yield LevelSnapshot.from_node(location_id, node)

    def _pages(
        self,
        document: str,
        variables: dict[str, Any],
        path: tuple[str, ...],
        page_size: int,
        next_size: Callable[[int], int] | None = None,
    ) -> Iterator[list[Any]]:
        if not 1 <= page_size <= 250:
            raise ValueError("page_size must be between 1 and 250")
        after: str | None = None
        first = True
        while True:
            if not first and next_size is not None:
                page_size = next_size(page_size)
            first = False
            data = self.client.execute(document, {**variables, "first": page_size, "after": after})
            connection: Any = data
            for key in path:
                connection = connection.get(key) if isinstance(connection, dict) else None
                if connection is None:
                    raise ShopifyGraphQLError([_missing(f"{'.'.join(path)}: {key} is null (unknown id?)")])
            yield list(connection.get("nodes") or [])
            page = PageInfo.model_validate(connection.get("pageInfo") or {"hasNextPage": False})
            if not page.has_next_page or not page.end_cursor:
                return
            after = page.end_cursor

    # ------------------------------------------------------------------ bulk
    def run_bulk_levels(self) -> BulkOperation:
        """Start a bulk query of every location's levels. OPERATION_IN_PROGRESS etc. raise BulkOperationError."""
        data = self.client.execute(documents.BULK_LEVELS_RUN, {"query": documents.BULK_LEVELS_QUERY})
        payload = _field(data, "bulkOperationRunQuery")
        errors = payload.get("userErrors") or []
        if errors:
            first = errors[0]
            raise BulkOperationError("; ".join(str(e.get("message")) for e in errors), code=first.get("code"))
        operation = payload.get("bulkOperation")
        if operation is None:
            raise BulkOperationError("bulkOperationRunQuery returned no operation")
        return BulkOperation.model_validate(operation)

    def bulk_status(self, operation_id: str) -> BulkOperation:
        data = self.client.execute(documents.BULK_OPERATION_STATUS, {"id": operation_id})
        operation = data.get("bulkOperation")
        if operation is None:
            raise BulkOperationError(f"no bulk operation {operation_id}")
        return BulkOperation.model_validate(operation)

    def bulk_levels(self, operation: BulkOperation) -> Iterator[LevelSnapshot]:
        """The levels of a COMPLETED bulk levels operation (an empty shop has no result URL)."""
        if operation.status != "COMPLETED":
            raise BulkOperationError(f"bulk operation {operation.id} is {operation.status}", code=operation.error_code)
        if operation.url is None:
            return iter(())
        return parse_bulk_levels(self.client.download_lines(operation.url))


def parse_bulk_levels(lines: Iterable[str]) -> Iterator[LevelSnapshot]:
    """Turn the JSONL of BULK_LEVELS_QUERY into level snapshots.

    Location lines (``{"id": "gid://shopify/Location/..."}``) are skipped; each level line names
    its location in ``__parentId``. ``json`` keeps big integers exact; ids are strings anyway.
    """
    for line in lines:
        record = json.loads(line)
        parent = record.get("__parentId")
        if parent is None:
            continue
        node = InventoryLevelNode.model_validate(record)
        yield LevelSnapshot.from_node(str(parent), node)


def _stale_indices(user_errors: Sequence[UserError], count: int) -> set[int]:
    """Indices named by ``["input", "quantities", "<i>", ...]``; all of them if none can be read."""
    indices: set[int] = set()
    for error in user_errors:
        field = error.field or ()
        if len(field) >= 3 and field[0] == "input" and field[1] == "quantities" and field[2].isdigit():
            index = int(field[2])
            if index < count:
                indices.add(index)
                continue
        # A stale error without a usable path: treat every quantity as stale (never overwrite).
        return set(range(count))
    return indices


def _available_input(
    rows_field: str, rows: Sequence[SetQuantity | AdjustQuantity], reason: str, uri: str | None, idempotency_key: str
) -> dict[str, object]:
    """The variables of a write to `available`: the input (its rows under ``rows_field``) and the key."""
    return {
        "input": {
            "name": "available",
            "reason": reason,
            "referenceDocumentUri": uri,
            rows_field: [r.to_input() for r in rows],
        },
        "idempotencyKey": idempotency_key,
    }


def _field(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise ShopifyGraphQLError([_missing(f"{name} is null")])
    return value


def _missing(message: str) -> GraphQLErrorDetail:
    return GraphQLErrorDetail(message, None)
