"""The Shopify edge, from the ports down to the wire:

    port (ports.py)     adapter (this package)                    built on
    ShopifyInventory    inventory_writer.ShopifyInventoryWriter   admin_operations.ShopifyAdminOperations:
    ShopifyLevels       levels.ShopifyLevelsReader                one typed method per GraphQL operation
    ShopifyOrders       orders.ShopifyOrdersReader                (documents.*, models.*) over
    TokenStore          token_store.DynamoDbTokenStore            client.ShopifyAdminClient; the ledger table

port_errors turns errors.* into the ports' TransientFailure and PushRefused, once for all three
adapters; credentials and auth give the client its shop's access token. Nothing is re-exported here:
import a name from the module that defines it, so loading one adapter does not load the others.
"""
