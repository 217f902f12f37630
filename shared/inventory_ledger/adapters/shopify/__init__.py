"""Shopify GraphQL Admin adapter: documents, client (cost-aware, retried), typed inventory operations."""

from inventory_ledger.adapters.shopify.client import CostBucket, ShopifyAdminClient
from inventory_ledger.adapters.shopify.credentials import client_for_shop
from inventory_ledger.adapters.shopify.errors import (
    BulkOperationError,
    ShopifyAuthError,
    ShopifyError,
    ShopifyGraphQLError,
    ShopifyRequestError,
    ShopifyThrottled,
    ShopifyTransientError,
    ShopifyUnavailable,
    ShopifyUserErrors,
    UserError,
)
from inventory_ledger.adapters.shopify.inventory import ShopifyInventoryGateway
from inventory_ledger.adapters.shopify.models import (
    MAX_QUANTITIES_PER_CALL,
    AdjustQuantity,
    BulkOperation,
    LevelSnapshot,
    Location,
    ProductVariant,
    QuantityStatus,
    SetQuantity,
    SetResult,
)

__all__ = [
    "MAX_QUANTITIES_PER_CALL",
    "AdjustQuantity",
    "BulkOperation",
    "BulkOperationError",
    "CostBucket",
    "LevelSnapshot",
    "Location",
    "ProductVariant",
    "QuantityStatus",
    "SetQuantity",
    "SetResult",
    "ShopifyAdminClient",
    "ShopifyAuthError",
    "ShopifyError",
    "ShopifyGraphQLError",
    "ShopifyInventoryGateway",
    "ShopifyRequestError",
    "ShopifyThrottled",
    "ShopifyTransientError",
    "ShopifyUnavailable",
    "ShopifyUserErrors",
    "UserError",
    "client_for_shop",
]
