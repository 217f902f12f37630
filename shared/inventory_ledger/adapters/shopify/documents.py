"""Every GraphQL document the project sends to the Shopify Admin API, one named constant each.

Nothing else in the tree holds GraphQL text: ``tests/unit/test_graphql_documents.py`` discovers every
``str`` constant of this module and validates it against the 2026-07 (and 2026-04) schema in
``reference/shopify/schema/``, so a document cannot drift from the schema unnoticed.

Runtime rules introspection cannot show (from ``reference/shopify/FACTS.md`` and the captures):
``@idempotent(key:)`` is mandatory on inventory set/adjust from 2026-04, every set quantity must carry
``changeFromQuantity`` (an explicit ``null`` opts out of the compare-and-swap), and any input array
holds at most 250 items.
"""

from typing import Final

# Names of the quantities the project reads. `on_hand` = available + committed + unavailable states.
LEVEL_QUANTITY_NAMES: Final = ("available", "committed", "on_hand")

# Both writes to quantities answer the same payload: the adjustment group Shopify recorded, and userErrors.
_ADJUSTMENT_PAYLOAD: Final = """
    inventoryAdjustmentGroup {
      reason
      referenceDocumentUri
      changes {
        name
        delta
        quantityAfterChange
        item { id }
        location { id }
      }
    }
    userErrors { field message code }
  }
}
"""

INVENTORY_SET_QUANTITIES: Final = (
    """
mutation InventorySetQuantities($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {"""
    + _ADJUSTMENT_PAYLOAD
)

INVENTORY_ADJUST_QUANTITIES: Final = (
    """
mutation InventoryAdjustQuantities($input: InventoryAdjustQuantitiesInput!, $idempotencyKey: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $idempotencyKey) {"""
    + _ADJUSTMENT_PAYLOAD
)

LOCATIONS_PAGE: Final = """
query LocationsPage($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: true) {
    nodes { id name isActive fulfillsOnlineOrders }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# `$query` takes Shopify's search syntax, e.g. `sku:"A-1" OR sku:"B-2"`; null lists every variant.
PRODUCT_VARIANTS_PAGE: Final = """
query ProductVariantsPage($first: Int!, $after: String, $query: String) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes {
      id
      sku
      inventoryItem { id tracked }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

LOCATION_INVENTORY_LEVELS_PAGE: Final = """
query LocationInventoryLevelsPage($locationId: ID!, $first: Int!, $after: String) {
  location(id: $locationId) {
    id
    inventoryLevels(first: $first, after: $after) {
      nodes {
        id
        item { id sku }
        quantities(names: ["available", "committed", "on_hand"]) { name quantity }
        updatedAt
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

# The query a bulk operation runs (sent as the `$query` variable of BULK_LEVELS_RUN). Bulk queries
# take no `first`; the JSONL result has one line per location and one per level, each level line
# carrying `__parentId` = its location's id. `quantities` is a list, not a connection, so it stays
# inline on the level's line.
BULK_LEVELS_QUERY: Final = """
{
  locations(includeInactive: true) {
    edges {
      node {
        id
        inventoryLevels {
          edges {
            node {
              id
              item { id sku }
              quantities(names: ["available", "committed", "on_hand"]) { name quantity }
              updatedAt
            }
          }
        }
      }
    }
  }
}
"""

BULK_LEVELS_RUN: Final = """
mutation BulkLevelsRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status errorCode objectCount url }
    userErrors { field message code }
  }
}
"""

BULK_OPERATION_STATUS: Final = """
query BulkOperationStatus($id: ID!) {
  bulkOperation(id: $id) { id status errorCode objectCount url partialDataUrl }
}
"""

# Shopify's `available` of some items at one location: after a compare-and-swap answered stale, it
# tells a push Shopify applied (its answer lost) from a change we have not heard of. `nodes` takes at
# most 250 ids.
INVENTORY_ITEMS_AVAILABLE_AT: Final = """
query InventoryItemsAvailableAt($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) {
        quantities(names: ["available"]) { name quantity }
      }
    }
  }
}
"""

# Orders created or updated since an instant (`$query` e.g. `updated_at:>='2026-12-01T09:00:00Z'`),
# oldest update first, with what the ledger applies from their webhooks: line items (variant, SKU,
# quantity), fulfilments with their lines, cancellation, refunds with their restocked lines (and the
# return each refunds) and the reverse fulfilment orders of its returns (read for their dispositions). The
# reconciler's catch-up feeds each through the webhook apply path (service/reconcile/catch_up.py).
# Sized to stay under the 1,000-point single-query cap at 5 orders a page; an order with more lines,
# fulfilments or refunds than a page holds is read again whole (the ORDER_* documents below).
_CATCH_UP_LINE_ITEM = """
fragment CatchUpLineItem on LineItem {
  id
  sku
  quantity
  unfulfilledQuantity
  isGiftCard
  variant { id inventoryItem { id tracked } }
}
"""
_CATCH_UP_FULFILLMENT_LINE = """
fragment CatchUpFulfillmentLine on FulfillmentLineItem { quantity lineItem { id } }
"""
_CATCH_UP_REFUND_LINE = """
fragment CatchUpRefundLine on RefundLineItem { id quantity restockType location { id } lineItem { id } }
"""
ORDERS_UPDATED_SINCE: Final = (
    """
query OrdersUpdatedSince($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id
      name
      createdAt
      updatedAt
      cancelledAt
      sourceName
      retailLocation { id }
      lineItems(first: 20) {
        pageInfo { hasNextPage }
        nodes { ...CatchUpLineItem }
      }
      fulfillments(first: 4) {
        id
        status
        location { id }
        fulfillmentLineItems(first: 20) {
          pageInfo { hasNextPage }
          nodes { ...CatchUpFulfillmentLine }
        }
      }
      refunds(first: 4) {
        id
        createdAt
        return { id }
        refundLineItems(first: 20) {
          pageInfo { hasNextPage }
          nodes { ...CatchUpRefundLine }
        }
      }
      returns(first: 4) {
        pageInfo { hasNextPage }
        nodes { reverseFulfillmentOrders(first: 2) { pageInfo { hasNextPage } nodes { id } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + _CATCH_UP_LINE_ITEM
    + _CATCH_UP_FULFILLMENT_LINE
    + _CATCH_UP_REFUND_LINE
)


# An order ORDERS_UPDATED_SINCE showed truncated, read whole so that the catch-up vouches for it: its
# line items paged, its fulfilments and refunds (Shopify's lists, truncated to `first`), and the lines
# of each fulfilment and refund paged. A line item costs 3 points, a page of 250 about 28.
def _lines_page(operation: str, owner: str, connection: str, fragment: str) -> str:
    """A page of one owner's lines by its id: an order's line items, a fulfilment's or a refund's lines."""
    spread = fragment.split()[1]
    return (
        f"query {operation}($id: ID!, $first: Int!, $after: String) {{\n"
        f"  {owner}(id: $id) {{\n"
        f"    {connection}(first: $first, after: $after) {{\n"
        f"      nodes {{ ...{spread} }}\n"
        "      pageInfo { hasNextPage endCursor }\n"
        "    }\n"
        "  }\n}\n" + fragment
    )


ORDER_LINE_ITEMS_PAGE: Final = _lines_page("OrderLineItemsPage", "order", "lineItems", _CATCH_UP_LINE_ITEM)
ORDER_FULFILLMENTS_AND_REFUNDS: Final = """
query OrderFulfillmentsAndRefunds($id: ID!, $first: Int!) {
  order(id: $id) {
    fulfillments(first: $first) { id status location { id } }
    refunds(first: $first) { id createdAt return { id } }
  }
}
"""

FULFILLMENT_LINE_ITEMS_PAGE: Final = _lines_page(
    "FulfillmentLineItemsPage", "fulfillment", "fulfillmentLineItems", _CATCH_UP_FULFILLMENT_LINE
)
REFUND_LINE_ITEMS_PAGE: Final = _lines_page("RefundLineItemsPage", "refund", "refundLineItems", _CATCH_UP_REFUND_LINE)

# After fulfillment_orders/moved or /order_routing_complete (their payloads name no order): the
# fulfilment order's order and its shipments (as the catch-up reads them), where it is assigned now
# and each line's units still to fulfil there. Scope read_merchant_managed_fulfillment_orders (and
# read_orders). Line items are paged (100 a page); an order with more shipments, or shipments of more
# lines, than asked for is logged truncated (adapters/shopify/fulfillment_orders.py).
FULFILLMENT_ORDER: Final = """
query FulfillmentOrder($id: ID!, $first: Int!, $after: String) {
  fulfillmentOrder(id: $id) {
    id
    status
    order {
      id
      fulfillments(first: 10) {
        id
        status
        location { id }
        fulfillmentLineItems(first: 50) {
          pageInfo { hasNextPage }
          nodes { quantity lineItem { id } }
        }
      }
    }
    assignedLocation { location { id } }
    lineItems(first: $first, after: $after) {
      nodes {
        lineItem { id }
        remainingQuantity
        totalQuantity
        variant { id }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

# After reverse_fulfillment_orders/dispose (its payload carries no disposition ids and no order line):
# the reverse fulfilment order's order and, for each line, the order line it returns, its units and
# every disposition made of them so far (id, type, units, location). Scope read_returns (and
# read_orders). Line items are paged (100 a page).
REVERSE_FULFILLMENT_ORDER: Final = """
query ReverseFulfillmentOrder($id: ID!, $first: Int!, $after: String) {
  reverseFulfillmentOrder(id: $id) {
    id
    status
    order { id }
    lineItems(first: $first, after: $after) {
      nodes {
        id
        totalQuantity
        fulfillmentLineItem { lineItem { id variant { id } } }
        dispositions { id type quantity location { id } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

# Shop-scoped webhook subscriptions (onboarding creates them, the reconciler checks them, in mode
# "shop"); the app's shopify.app.toml subscriptions are not returned by this query.
WEBHOOK_SUBSCRIPTIONS_PAGE: Final = """
query WebhookSubscriptionsPage($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}
"""

WEBHOOK_SUBSCRIPTION_CREATE: Final = """
mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""

WEBHOOK_SUBSCRIPTION_DELETE: Final = """
mutation WebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""
