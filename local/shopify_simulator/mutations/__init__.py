"""The Mutation root: the inventory writes, bulk queries and the seeding mutations we serve."""

from __future__ import annotations

from .. import webhook_subscriptions
from ..graph import Obj
from . import bulk_ops, fulfillment_orders, inventory, returns, seeding


def mutation_root() -> Obj:
    return Obj(
        "Mutation",
        inventorySetQuantities=inventory.set_quantities,
        inventoryAdjustQuantities=inventory.adjust_quantities,
        inventorySetOnHandQuantities=inventory.set_on_hand_quantities,
        bulkOperationRunQuery=bulk_ops.run_query,
        bulkOperationCancel=bulk_ops.cancel,
        locationAdd=seeding.location_add,
        productSet=seeding.product_set,
        inventoryActivate=seeding.inventory_activate,
        inventoryDeactivate=seeding.inventory_deactivate,
        webhookSubscriptionCreate=webhook_subscriptions.create,
        webhookSubscriptionDelete=webhook_subscriptions.delete,
        fulfillmentOrderMove=fulfillment_orders.move,
        reverseFulfillmentOrderDispose=returns.dispose,
    )
