"""The Shopify edge, from the ports down to the wire:

    port (ports.py)     adapter (this package)            built on
    ShopifyInventory    push_gateway.ShopifyPushGateway   inventory.ShopifyInventoryGateway: one typed
    ShopifyLevels       levels.ShopifyLevelsReader          method per GraphQL operation (documents.*,
    ShopifyOrders       orders.ShopifyOrdersReader          models.*) over client.ShopifyAdminClient
    TokenStore          token_store.DynamoDbTokenStore    the ledger table

port_errors turns errors.* into the ports' TransientFailure and PushRefused, once for all three
adapters; credentials and auth give the client its shop's access token. Nothing is re-exported here:
import a name from the module that defines it, so loading one adapter does not load the others.
"""
