"""Refuse a shop, location or SKU the merchant directory does not know, naming the ones it does."""

import argparse
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


def add_level_arguments(command: argparse.ArgumentParser) -> None:
    """SHOP LOCATION SKU: the level a command is about (read back by known_level)."""
    for name in ("shop", "location", "sku"):
        command.add_argument(name)


def known_level(arguments: argparse.Namespace) -> LevelKey:
    """The level the arguments name, refused (naming the known ones) unless the directory knows it."""
    key = LevelKey(arguments.shop, arguments.location, arguments.sku)
    require_level(key)
    return key


def require_level(key: LevelKey) -> None:
    require_location(key.shop, key.location)
    skus = bootstrap.merchant_directory().skus(key.shop)
    if key.sku not in skus:
        raise _known("SKU", key.sku, skus, f" for {key.shop}")
