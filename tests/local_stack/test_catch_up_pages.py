"""The orders catch-up reads pages sized from their cost, counts what it truncated and says when it could
not finish in its window (moto server and DynamoDB Local, the Shopify simulator).

Shopify: a query's requested cost is charged up front and one above 1,000 points is refused; each
answer reports `extensions.cost` with the bucket's `maximumAvailable`
(shopify.dev/docs/api/usage/rate-limits#graphql-admin-api-rate-limits); nested connections page on
their own (`pageInfo.hasNextPage`, shopify.dev/docs/api/usage/pagination-graphql)."""

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.adapters.shopify.orders import ShopifyOrdersReader
from inventory_ledger.adapters.shopify.query_cost import FIRST_ORDERS_PAGE, MAX_SINGLE_QUERY_COST, orders_page_size
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.service.reconcile import ReconcileOptions, reconcile_shop
from tests.support.simulated_merchant import SimulatedMerchant, onboard

pytestmark = pytest.mark.integration
SHOP = "pages.myshopify.com"


@pytest.fixture
def merchant(seed_shop: Callable[[str], SimulatedMerchant]) -> SimulatedMerchant:
    merchant = seed_shop(SHOP)
    onboard(merchant)
    return merchant


class RecordingReader(ShopifyOrdersReader):
    """The real reader; each page's `first` and what Shopify said it cost are kept."""

    def __init__(self) -> None:
        super().__init__(bootstrap.shopify_orders_for(SHOP).gateway)
        self.pages: list[tuple[int, Any]] = []
        client = self.gateway.client
        execute = client.execute

        def recording(document: str, variables: dict[str, Any] | None = None, **options: Any) -> Any:
            data = execute(document, variables, **options)
            if "OrdersUpdatedSince" in document:
                self.pages.append(((variables or {})["first"], client.last_cost))
            return data

        client.execute = recording  # type: ignore[method-assign,assignment]


def sell(merchant: SimulatedMerchant, sku: str, location: str = "Main Warehouse", quantity: int = 1) -> None:
    merchant.control("POST", "/orders", {"lines": [{"sku": sku, "quantity": quantity}], "location": location})


def test_pages_are_sized_from_what_the_last_one_cost(merchant: SimulatedMerchant) -> None:
    """Twelve POS sales whose webhooks never came. The first page asks for 5 orders; the next ones for
    as many as fit the bucket and the 1,000-point cap at what Shopify said a page cost. All twelve
    are applied once: ledger = Shopify."""
    for n in range(12):
        sell(merchant, "TEE-S" if n % 2 else "TEE-M")
    reader = RecordingReader()
    deps = replace(bootstrap.reconcile_dependencies(), shopify_orders=lambda shop: reader)
    run = reconcile_shop(SHOP, deps)

    assert (run.catch_up["orders_read"], run.catch_up["webhooks_missed"], run.catch_up["finished"]) == (12, 12, True)
    firsts = [first for first, _ in reader.pages]
    assert firsts[0] == FIRST_ORDERS_PAGE
    for (first, cost), (following, _) in zip(reader.pages, reader.pages[1:], strict=False):
        assert following == orders_page_size(cost, first)
    for _, cost in reader.pages:
        assert cost.requested_query_cost <= min(MAX_SINGLE_QUERY_COST, cost.throttle_status.maximum_available)
    assert sum(firsts) >= 12
    assert run.rows == []
    for sku, sold in (("TEE-S", 6), ("TEE-M", 6)):
        balance = merchant.balance("main-warehouse", sku)
        assert balance.quantity == merchant.available(sku, "Main Warehouse") == {"TEE-S": 10, "TEE-M": 8}[sku] - sold


def seed_skus(merchant: SimulatedMerchant, count: int, available: int = 5) -> list[str]:
    skus = [f"S{n:02}" for n in range(count)]
    merchant.control("POST", "/seed", {
        "products": [{"title": sku, "variants": [{"sku": sku}]} for sku in skus],
        "levels": [{"sku": sku, "location": "Main Warehouse", "available": available} for sku in skus],
    })  # fmt: skip
    onboard(merchant)  # maps the new SKUs, imports their levels
    return skus


def test_an_order_longer_than_its_page_is_read_whole_and_judged(merchant: SimulatedMerchant) -> None:
    """An order of 21 lines (the page reads 20 line items of an order) whose webhook is late, and an
    admin edit of MUG. The catch-up reads the order again whole (its line items paged), applies all
    21 lines, and so vouches for every level: the edit is adopted (the default policy). The order's
    late webhook then changes nothing."""
    skus = seed_skus(merchant, 21)
    merchant.control("POST", "/orders", {"lines": [{"sku": sku, "quantity": 1} for sku in skus],
                                         "location": "Main Warehouse"})  # fmt: skip
    merchant.control("POST", "/admin/levels", {"sku": "MUG", "location": "Main Warehouse", "available": 2})

    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    caught = run.catch_up
    assert (caught["orders_truncated"], caught["finished"], caught["entries_applied"]) == (0, True, 21)
    assert [sku for sku in skus if merchant.balance("main-warehouse", sku).quantity != 4] == []
    assert [(row.sku, run.heal_notes[row.key]) for row in run.rows] == [
        ("MUG", "adopted: Shopify's 2 as an edit (shopify_edit)")
    ]
    assert merchant.balance("main-warehouse", "MUG").quantity == 2

    assert merchant.deliver_events("orders/create") == 1
    for sku in skus:
        assert merchant.balance("main-warehouse", sku).quantity == 4 == merchant.available(sku, "Main Warehouse")
        sales = [e for e in bootstrap.ledger().entries(LevelKey(SHOP, "main-warehouse", sku))
                 if e.kind is MovementKind.SALE]  # fmt: skip
        assert [e.quantity for e in sales] == [-1]


def test_more_fulfilments_and_refunds_than_a_page_lists_are_all_applied(merchant: SimulatedMerchant) -> None:
    """A POS order of 22 lines, 3 units each, shipped in 6 fulfilments (the page lists 4; the first one
    ships 21 lines, more than a page of a fulfilment's lines), then 6 returns of one unit each, restocked:
    no webhook came. The catch-up reads the order whole and applies every sale and every restock once;
    ledger = Shopify at every level."""
    skus = seed_skus(merchant, 22, available=10)
    order = merchant.control("POST", "/orders", {"lines": [{"sku": sku, "quantity": 3} for sku in skus],
                                                 "location": "Main Warehouse"})  # fmt: skip
    lines = [line["id"] for line in order["line_items"]]
    fulfil = f"/orders/{order['id']}/fulfil"
    merchant.control("POST", fulfil, {"lines": [{"line_item_id": line, "quantity": 1} for line in lines[:21]]})
    for line in lines[:5]:
        merchant.control("POST", fulfil, {"lines": [{"line_item_id": line, "quantity": 2}]})
    for line in lines[:6]:
        merchant.control("POST", f"/orders/{order['id']}/refunds",
                         {"lines": [{"line_item_id": line, "quantity": 1, "restock_type": "return"}]})  # fmt: skip

    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert (run.catch_up["orders_truncated"], run.catch_up["finished"]) == (0, True)
    assert run.catch_up["entries_applied"] == 22 + 6
    for n, sku in enumerate(skus):
        expected = 10 - 3 + (1 if n < 6 else 0)
        assert merchant.balance("main-warehouse", sku).quantity == expected == merchant.available(sku, "Main Warehouse")
    assert run.rows == []


def test_a_catch_up_that_cannot_finish_in_its_window_says_so_and_moves_nothing_on(merchant: SimulatedMerchant) -> None:
    """Three sales whose webhooks never came, and a window already closed: the catch-up stops, says it
    did not finish, keeps the shop's caught-up instant and heals nothing. The next run, with its
    window, reads all three: ledger = Shopify."""
    for sku in ("TEE-S", "TEE-M", "MUG"):
        sell(merchant, sku)
    directory = bootstrap.merchant_directory()
    caught_up_before = directory.caught_up_at(SHOP)

    closed = reconcile_shop(SHOP, bootstrap.reconcile_dependencies(),
                            options=ReconcileOptions(catch_up_window=timedelta(0)))  # fmt: skip
    assert (closed.catch_up["finished"], closed.catch_up["orders_read"]) == (False, 0)
    assert directory.caught_up_at(SHOP) == caught_up_before
    assert {row.sku for row in closed.rows} == {"TEE-S", "TEE-M", "MUG"}
    assert {row.cause.value for row in closed.rows} == {"webhook_never_received"}
    assert closed.total("healed") == closed.total("adopted") == 0

    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert (run.catch_up["finished"], run.catch_up["webhooks_missed"]) == (True, 3)
    assert run.rows == []
    assert directory.caught_up_at(SHOP) is not None
    for sku, opening in (("TEE-S", 10), ("TEE-M", 8), ("MUG", 5)):
        assert (
            merchant.balance("main-warehouse", sku).quantity == opening - 1 == merchant.available(sku, "Main Warehouse")
        )
