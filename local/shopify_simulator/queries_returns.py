"""QueryRoot.reverseFulfillmentOrder(id:): a return's reverse fulfilment order, its lines (the shipped
order line each returns, its units) and the dispositions made of them (commerce.py `dispose`; the
objects: queries_orders.py, where `Order.returns` reads them too).

Status: CLOSED once every returned unit is disposed, else OPEN. Null for an unknown id, as Shopify's.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLResolveInfo

from .commerce import Commerce
from .graph import ExecContext, Obj
from .ids import parse_gid_of
from .queries_orders import reverse_fulfillment_order_obj
from .state import Shop


def reverse_fulfillment_order_resolver(ctx: ExecContext) -> Callable[..., Obj | None]:
    shop: Shop = ctx.shop

    def reverse_fulfillment_order(info: GraphQLResolveInfo, id: str) -> Obj | None:
        number = parse_gid_of("ReverseFulfillmentOrder", id)
        found = Commerce(ctx.state).reverse_fulfillment_order(shop, number) if number is not None else None
        return reverse_fulfillment_order_obj(shop, *found) if found is not None else None

    return reverse_fulfillment_order
