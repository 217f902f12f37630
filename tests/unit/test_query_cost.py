"""Page sizes from Shopify's reported cost (adapters/shopify/query_cost.py)."""

from inventory_ledger.adapters.shopify.models import QueryCost
from inventory_ledger.adapters.shopify.query_cost import orders_page_size


def cost(requested: float, maximum: float) -> QueryCost:
    return QueryCost.model_validate({"requestedQueryCost": requested, "actualQueryCost": requested / 2,
                                     "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": maximum,
                                                        "restoreRate": 100}})  # fmt: skip


def test_the_next_page_fits_the_single_query_cap_and_the_bucket() -> None:
    assert orders_page_size(cost(857, 2000), 5) == 5  # ~171 a page's order: 1,000 // 171
    assert orders_page_size(cost(100, 2000), 5) == 50  # cheap orders: bigger pages
    assert orders_page_size(cost(857, 400), 5) == 2  # a small bucket: smaller pages
    assert orders_page_size(cost(1, 20_000), 5) == 250  # never past Shopify's 250
    assert orders_page_size(cost(5000, 2000), 5) == 1  # never below one


def test_without_a_reported_cost_the_size_stays() -> None:
    assert orders_page_size(None, 5) == 5
    assert orders_page_size(cost(0, 1000), 5) == 5
