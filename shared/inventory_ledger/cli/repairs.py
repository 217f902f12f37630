"""Repairs: take Shopify's level of one level as the truth (`accept`), e.g. after an edit in Shopify's
admin that was real (a count done there). Clears the stale mark; later pushes start from that value."""

import argparse
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.known import require_level
from inventory_ledger.cli.output import OK, Output, now, pairs
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.service.repairs import accept_shopify_level


def register(commands: Any) -> None:
    accept = commands.add_parser("accept", help="take Shopify's current level as a count and clear the stale mark")
    accept.add_argument("shop")
    accept.add_argument("location")
    accept.add_argument("sku")
    accept.set_defaults(run=run_accept)


def run_accept(arguments: argparse.Namespace, out: Output) -> int:
    key = LevelKey(arguments.shop, arguments.location, arguments.sku)
    require_level(key)  # before Shopify is read: a typo names the known ones and changes nothing
    accepted = accept_shopify_level(key, bootstrap.ledger(), bootstrap.merchant_directory(), bootstrap.shopify_for, now)
    data = {
        "level": str(key),
        "shopify_level": accepted.shopify_level,
        "ledger_before": accepted.ledger_before,
        "entries": list(accepted.entry_ids),
    }
    out.document(data, pairs(data))
    return OK
