"""Repairs: take Shopify's level of one level as the truth (`accept`), e.g. after an edit in Shopify's
admin that was real (a count done there). Clears the stale mark; later pushes start from that value."""

import argparse
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.known import add_level_arguments, known_level
from inventory_ledger.cli.output import OK, Output, pairs
from inventory_ledger.clock import utc_now as now
from inventory_ledger.service.repairs import accept_shopify_level


def register(commands: Any) -> None:
    accept = commands.add_parser("accept", help="take Shopify's current level as a count and clear the stale mark")
    add_level_arguments(accept)
    accept.set_defaults(run=run_accept)


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
