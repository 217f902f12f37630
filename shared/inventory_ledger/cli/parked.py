"""Events the ledger could not apply: list them, replay one once its mapping is fixed."""

import argparse
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.known import require_shop
from inventory_ledger.cli.output import EMPTY, NOT_FOUND, NOTHING_TO_DO, OK, CommandError, Output, table
from inventory_ledger.clock import utc_now as now
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.service.apply_webhook import ShopifyReads, replay_parked


def register(commands: Any) -> None:
    parked = commands.add_parser("parked", help="events the ledger could not apply (yet)")
    actions = parked.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every parked event of a shop, oldest first")
    listing.add_argument("shop")
    listing.set_defaults(run=run_list)
    replay = actions.add_parser("replay", help="apply a parked event again")
    replay.add_argument("shop")
    replay.add_argument("event_id")
    replay.set_defaults(run=run_replay)


def _row(event: ParkedEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "topic": event.topic,
        "received_at": event.received_at.isoformat(),
        "parked_at": event.parked_at.isoformat(),
        "waiting": event.is_waiting,
        # shopify_unreadable: the pusher's sweep replays it once Shopify answers for the shop (replays: its tries).
        "replayed_automatically": event.shopify_unreadable,
        "replays": event.replays,
        "reason": event.reason,
    }


def run_list(arguments: argparse.Namespace, out: Output) -> int:
    require_shop(arguments.shop)
    rows = [_row(event) for event in bootstrap.ledger().parked_events(arguments.shop)]
    out.document(
        {"shop": arguments.shop, "parked": rows},
        table(rows, ["event_id", "topic", "received_at", "waiting", "replays", "reason"]),
    )
    return OK if rows else EMPTY


def run_replay(arguments: argparse.Namespace, out: Output) -> int:
    ledger = bootstrap.ledger()
    found = [e for e in ledger.parked_events(arguments.shop) if e.event_id == arguments.event_id]
    if not found:
        raise CommandError(f"{arguments.shop} has no parked event {arguments.event_id}", NOT_FOUND)
    reads = ShopifyReads(fulfillment_orders=bootstrap.shopify_fulfillment_orders_for)
    result = replay_parked(found[0], ledger, now, shopify=reads)
    data = {
        "event_id": arguments.event_id,
        "applied": len(result.applied),
        "still_parked": result.parked.reason if result.parked else None,
    }
    if result.parked is not None:
        again = " (the pusher's sweep replays it once Shopify answers)" if result.parked.shopify_unreadable else ""
        out.document(data, f"still parked: {result.parked.reason}{again}")
        return NOTHING_TO_DO
    out.document(data, f"replayed {arguments.event_id}: {len(result.applied)} movement(s) applied")
    return OK
