"""An order read from Shopify, applied through the webhook path: the reconciler's catch-up does it for
every order updated since its last run, the consumer for the order a returns/process names.

An exchange adds line items to the order (since 2025-03 a Return with exchange line items on the same
order) and Shopify says so through returns/*, not orders/updated (docs/ledger.md "Returns and
exchanges"). So on returns/process the consumer reads the order now and applies it exactly as the
catch-up would: the same envelopes (the order, its cancellation, each refund, each reverse fulfilment
order of its returns), hence the same entries (`order/<id>/line/<id>/sale`, ...). What is applied
already is a no-op, so a duplicate returns/process, a later orders/updated or catch-up changes nothing.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from inventory_ledger.clock import Now
from inventory_ledger.domain.catch_up import FetchedOrder
from inventory_ledger.domain.ids import gid
from inventory_ledger.domain.merchant import Problem, ProblemKind
from inventory_ledger.domain.shopify_payloads import ReturnsProcess
from inventory_ledger.domain.webhooks import Topic, WebhookEnvelope
from inventory_ledger.ports import LedgerRepository, PushRefused, ShopifyFulfillmentOrders, ShopifyOrders
from inventory_ledger.service.apply_webhook import (
    ApplyResult,
    ShopifyReads,
    apply_envelope,
    invalid_problem,
    park_result,
)


@dataclass(frozen=True)
class Naming:
    """How the envelopes an order read is applied as are named: the catch-up's own, or after the
    returns/process event that asked for the read."""

    webhook_id: str
    event_prefix: str
    api_version: str


def apply_order_read(
    shop: str,
    fetched: FetchedOrder,
    ledger: LedgerRepository,
    now: Callable[[], datetime],
    fulfillment_orders: ShopifyFulfillmentOrders | None,
    naming: Naming,
) -> list[tuple[Topic, ApplyResult]]:
    """The order's bodies through the webhook path, then its returns' dispositions (each reverse
    fulfilment order read through ``fulfillment_orders``, as a dispose is); a move that waited for the
    order is released (it reads its fulfilment order the same way). Each step's topic and result."""
    order_id = fetched.order.id
    steps: list[tuple[Topic, dict[str, Any], str]] = [(Topic.ORDERS_CREATE, fetched.body, f"order/{order_id}")]
    if fetched.cancelled:
        steps.append((Topic.ORDERS_CANCELLED, fetched.body, f"order/{order_id}/cancel"))
    steps += [(Topic.REFUNDS_CREATE, body, f"refund/{body['id']}") for body in fetched.refund_bodies]
    # A return's restocks are its dispositions, which no refund carries: each reverse fulfilment order is
    # read (without a reader to read them with, they are left to their webhooks).
    if fulfillment_orders is not None:
        steps += [
            (Topic.REVERSE_FULFILLMENT_ORDERS_DISPOSE, {"admin_graphql_api_id": gid("ReverseFulfillmentOrder", rfo)},
             f"reverse-fulfillment-order/{rfo}")
            for rfo in fetched.reverse_fulfillment_orders
        ]  # fmt: skip
    reads = ShopifyReads(fulfillment_orders=None if fulfillment_orders is None else lambda _shop: fulfillment_orders)
    results = []
    for topic, body, name in steps:
        envelope = WebhookEnvelope(
            topic=topic,
            shop_domain=shop,
            webhook_id=naming.webhook_id,
            event_id=f"{naming.event_prefix}/{name}",
            triggered_at=fetched.updated_at,
            api_version=naming.api_version,
            received_at=now(),
            body=json.dumps(body, separators=(",", ":")),
        )
        results.append((topic, apply_envelope(envelope, ledger, now, shopify=reads)))
    return results


def apply_returns_process(
    envelope: WebhookEnvelope, ledger: LedgerRepository, now: Now, shopify: ShopifyReads
) -> ApplyResult:
    """returns/process: the order it names read from Shopify now and applied as the catch-up applies
    it. An order the ledger has not seen is applied whole, as the catch-up applies one (its lines sold
    then). A body without an order id parks invalid_payload; credentials Shopify refuses, or no reader
    here, park shopify_unreadable (the pusher's sweep and the reconciler replay it); an order Shopify
    does not return parks invalid_payload; throttling and Shopify's failures raise (SQS retries)."""
    result = ApplyResult(envelope.event_id, envelope.topic.value, envelope.shop_domain)
    try:
        order_id = ReturnsProcess.model_validate_json(envelope.body).order.id
    except ValidationError as error:
        return park_result(result, envelope, ledger, now, [invalid_problem(error)])
    if ledger.merchant_view(envelope.shop_domain) is None:
        return park_result(result, envelope, ledger, now, [Problem(ProblemKind.UNKNOWN_SHOP, envelope.shop_domain)])
    problem = Problem(ProblemKind.SHOPIFY_UNREADABLE, f"order {order_id} was not read: no Shopify client here")
    reader: ShopifyFulfillmentOrders | None = None
    fetched: FetchedOrder | None = None
    try:
        reader = shopify.fulfillment_orders(envelope.shop_domain) if shopify.fulfillment_orders else None
        orders: ShopifyOrders | None = reader.orders() if reader is not None else None
        if orders is not None:
            fetched = orders.order(order_id)
            problem = Problem(ProblemKind.INVALID_PAYLOAD, f"Shopify has no order {order_id} (deleted?)")
    except PushRefused as error:
        problem = Problem(ProblemKind.SHOPIFY_UNREADABLE, f"order {order_id} was not read: {error}")
    except (ValueError, KeyError, TypeError) as error:  # pydantic's ValidationError is a ValueError
        problem = Problem(ProblemKind.INVALID_PAYLOAD, f"Shopify's order {order_id} could not be read: {error}")
    if fetched is None:
        return park_result(result, envelope, ledger, now, [problem])
    naming = Naming(envelope.webhook_id, f"{envelope.event_id}/returns-process", envelope.api_version)
    for _topic, applied in apply_order_read(envelope.shop_domain, fetched, ledger, now, reader, naming):
        result.applied += applied.applied
        result.skipped += applied.skipped
        result.skipped_lines += applied.skipped_lines
        result.released += applied.released
    return result
