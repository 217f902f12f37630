"""Repairs: take Shopify's level of one level as the truth (`accept`), e.g. after an edit in Shopify's
admin that was real (a count done there); it clears the stale mark and later pushes start from that
value. Map a location or SKU Shopify gained after onboarding, import only its levels and replay what
was parked for it (`map`)."""

import argparse
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.known import add_level_arguments, known_level, require_shop
from inventory_ledger.cli.output import NOTHING_TO_DO, OK, USAGE, CommandError, Output, pairs
from inventory_ledger.clock import utc_now as now
from inventory_ledger.service.mapping import map_and_import
from inventory_ledger.service.repairs import accept_shopify_level


def register(commands: Any) -> None:
    accept = commands.add_parser("accept", help="take Shopify's current level as a count and clear the stale mark")
    add_level_arguments(accept)
    accept.set_defaults(run=run_accept)

    mapping = commands.add_parser("map", help="map a new Shopify location or SKU, import only its levels, replay "
                                  "what was parked for it")  # fmt: skip
    mapping.add_argument("shop")
    mapping.add_argument("--location", action="append", default=[], metavar="NAME_OR_ID",
                         help="a Shopify location (its name or id); repeatable")  # fmt: skip
    mapping.add_argument("--sku", action="append", default=[], help="a Shopify variant's SKU; repeatable")
    mapping.add_argument("--actor", default=None)
    mapping.set_defaults(run=run_map)


def run_accept(arguments: argparse.Namespace, out: Output) -> int:
    key = known_level(arguments)  # before Shopify is read: a typo names the known ones and changes nothing
    accepted = accept_shopify_level(key, bootstrap.ledger(), bootstrap.merchant_directory(), bootstrap.shopify_for, now)
    data = {
        "level": str(key),
        "shopify_level": accepted.shopify_level,
        "ledger_before": accepted.ledger_before,
        "entries": list(accepted.entry_ids),
    }
    out.document(data, pairs(data))
    return OK


def run_map(arguments: argparse.Namespace, out: Output) -> int:
    if not arguments.location and not arguments.sku:
        raise CommandError("name at least one --location or --sku to map", USAGE)
    require_shop(arguments.shop)
    result = map_and_import(arguments.shop, locations=arguments.location, skus=arguments.sku,
                            ledger=bootstrap.ledger(), directory=bootstrap.merchant_directory(),
                            shopify=bootstrap.shopify_levels_for(arguments.shop), now=now,
                            actor=arguments.actor,
                            fulfillment_orders=bootstrap.shopify_fulfillment_orders_for)  # fmt: skip
    summary = result.summary()
    text = pairs({
        "locations mapped": ", ".join(result.locations) or "-", "SKUs mapped": ", ".join(result.skus) or "-",
        "opening balances": result.opening_balances, "already imported": result.already_imported,
        "parked events replayed": len(result.replayed), "still parked": len(result.still_parked),
    })  # fmt: skip
    out.document(summary, text)
    return NOTHING_TO_DO if result.still_parked else OK
