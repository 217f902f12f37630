"""Refuse a shop, location or SKU the merchant directory does not know, naming the ones it does."""

from collections.abc import Iterable

from inventory_ledger import bootstrap
from inventory_ledger.cli.output import NOT_FOUND, CommandError
from inventory_ledger.domain.ledger import LevelKey

SHOWN = 12  # a long list is cut: the error stays on one line


def _known(kind: str, value: str, known: Iterable[str], where: str) -> CommandError:
    names = sorted(known)
    listed = ", ".join(names[:SHOWN]) + (f", ... ({len(names)} in all)" if len(names) > SHOWN else "")
    return CommandError(f"unknown {kind} {value!r}{where}; known: {listed or '(none)'}", NOT_FOUND)


def require_shop(shop: str) -> None:
    shops = bootstrap.merchant_directory().shops()
    if shop not in shops:
        raise _known("shop", shop, shops, "")


def require_location(shop: str, location: str) -> None:
    require_shop(shop)
    locations = bootstrap.merchant_directory().locations(shop)
    if location not in locations:
        raise _known("location", location, locations, f" for {shop}")


def require_level(key: LevelKey) -> None:
    require_location(key.shop, key.location)
    skus = bootstrap.merchant_directory().skus(key.shop)
    if key.sku not in skus:
        raise _known("SKU", key.sku, skus, f" for {key.shop}")
