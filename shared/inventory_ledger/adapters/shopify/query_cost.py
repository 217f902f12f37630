"""Sizing a page by what Shopify says a page costs.

Shopify charges a query its requested cost up front (each connection's `first` times what one node
asks for) and refuses one above 1,000 points outright (MAX_COST_EXCEEDED); a shop's bucket holds
`maximumAvailable` points and refills at `restoreRate` a second. The orders catch-up asks a lot per
order (20 line items, 3 fulfilments and 3 refunds of 20 lines each: ~170 points), so its first page
is small and each next one is sized from the cost Shopify reported for the last, within the bucket
(the client waits for the points a page needs) and the single-query cap.
"""

from inventory_ledger.adapters.shopify.models import QueryCost

MAX_SINGLE_QUERY_COST = 1000
FIRST_ORDERS_PAGE = 5
MAX_PAGE = 250


def orders_page_size(cost: QueryCost | None, first: int) -> int:
    """The next page's `first`, from the last page's cost (asked for `first` orders)."""
    if cost is None or cost.requested_query_cost <= 0 or first <= 0:
        return first
    per_order = cost.requested_query_cost / first  # the page's fixed part included: errs low on size
    budget = min(MAX_SINGLE_QUERY_COST, cost.throttle_status.maximum_available)
    return max(1, min(MAX_PAGE, int(budget // per_order)))
