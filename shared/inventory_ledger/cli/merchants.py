"""Merchants: onboard from Shopify, set the primary location, choose the healing policy."""

import argparse
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.output import OK, USAGE, CommandError, Output, pairs
from inventory_ledger.clock import utc_now as now
from inventory_ledger.config import report_settings
from inventory_ledger.domain.drift import HealingPolicy
from inventory_ledger.domain.ids import id_from_gid
from inventory_ledger.service.onboarding import onboard_shop
from inventory_ledger.service.reconcile import DEFAULT_BULK_THRESHOLD_SKUS


def register(commands: Any) -> None:
    onboard = commands.add_parser("onboard", help="import a shop's locations, SKUs and levels from Shopify")
    onboard.add_argument("shop")
    onboard.add_argument("--primary-location", required=True, help="ledger or Shopify name of the shipping location")
    onboard.add_argument(
        "--location-name",
        action="append",
        default=[],
        metavar="GID=NAME",
        help="a Shopify location's ledger name (default: its Shopify name, slugified)",
    )
    onboard.add_argument("--actor", default=None)
    onboard.set_defaults(run=run_onboard)

    primary = commands.add_parser("set-primary", help="online orders take stock from this location from now on")
    primary.add_argument("shop")
    primary.add_argument("location")
    primary.set_defaults(run=run_set_primary)

    healing = commands.add_parser("healing", help="whether the nightly reconciliation heals or only reports")
    healing.add_argument("shop")
    healing.add_argument("policy", choices=[policy.value for policy in HealingPolicy])
    healing.set_defaults(run=run_healing)


def _location_names(values: list[str]) -> dict[int, str]:
    names = {}
    for value in values:
        gid, separator, name = value.partition("=")
        if not separator or not name:
            raise CommandError(f"--location-name wants GID=NAME, not {value!r}", USAGE)
        names[id_from_gid(gid) if gid.startswith("gid://") else int(gid)] = name
    return names


def run_onboard(arguments: argparse.Namespace, out: Output) -> int:
    result = onboard_shop(
        arguments.shop,
        primary_location=arguments.primary_location,
        ledger=bootstrap.ledger(),
        directory=bootstrap.merchant_directory(),
        shopify=bootstrap.shopify_levels_for(arguments.shop),
        now=now,
        location_names=_location_names(arguments.location_name),
        bulk_threshold_skus=_bulk_threshold(),
        actor=arguments.actor,
        ensure_webhooks=bootstrap.webhook_subscription_check(arguments.shop, ensure=True),
    )
    summary = result.summary()
    text = pairs(
        {
            "shop": result.shop,
            "primary location": result.primary_location,
            "locations": ", ".join(f"{name} ({shopify_id})" for name, shopify_id in result.locations.items()),
            "SKUs mapped": result.skus_mapped,
            "SKUs skipped": len(result.skus_skipped),
            "opening balances": result.opening_balances,
            "already imported": result.already_imported,
            "webhook subscriptions": _webhooks_line(result.webhooks),
        }
    )
    out.document(summary, text)
    return OK


def _webhooks_line(check: Any) -> str:
    if check is None or not check.checked:
        return "not checked (declared in shopify.app.toml: invisible to the Admin API)"
    line = f"{len(check.present)} present, {len(check.created)} created"
    return line + (f"; MISSING {', '.join(check.missing)}: {check.problems}" if check.missing else "")


def _bulk_threshold() -> int:
    # Onboarding needs no report bucket: without REPORT_BUCKET_NAME the reconciler's default applies.
    try:
        return report_settings().reconcile_bulk_threshold_skus
    except ValueError:
        return DEFAULT_BULK_THRESHOLD_SKUS


def run_set_primary(arguments: argparse.Namespace, out: Output) -> int:
    shop, location = arguments.shop, arguments.location
    bootstrap.merchant_directory().set_primary_location(shop, location)
    out.document({"shop": shop, "primary_location": location}, f"{shop}: online orders now take stock from {location}")
    return OK


def run_healing(arguments: argparse.Namespace, out: Output) -> int:
    shop, policy = arguments.shop, arguments.policy
    bootstrap.merchant_directory().set_healing_policy(shop, policy)
    out.document({"shop": shop, "healing_policy": policy}, f"{shop}: the reconciliation will {policy}")
    return OK
