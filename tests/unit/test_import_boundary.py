"""The per-level import boundary (domain/planning.py): a Shopify movement at or before its level's
import instant (Shopify's `updatedAt` when the opening balance was read) is inside the import."""

from datetime import UTC, datetime, timedelta

import pytest

from inventory_ledger.domain.ledger import Balance, LevelKey, MovementKind, Source
from inventory_ledger.domain.movements import Movement
from inventory_ledger.domain.onboarding import opening_balance
from inventory_ledger.domain.planning import plan_change

KEY = LevelKey("s.myshopify.com", "store", "TEE")
IMPORTED = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
NOW = IMPORTED + timedelta(hours=1)


def sale(at: datetime, *, before_onboarding: bool = False) -> Movement:
    return Movement(KEY, MovementKind.SALE, 2, "order/1/line/1/sale", Source(topic="orders/create"),
                    shopify_applied=True, order_line=(1, 1), before_onboarding=before_onboarding,
                    shopify_at=at)  # fmt: skip


@pytest.mark.parametrize(
    ("sold_at", "delta"),
    [(IMPORTED - timedelta(seconds=1), 0), (IMPORTED, 0), (IMPORTED + timedelta(seconds=1), -2)],
    ids=["before", "the-level-s-last-change", "after"],
)
def test_a_sale_is_inside_the_import_up_to_the_level_s_instant(sold_at: datetime, delta: int) -> None:
    balance = Balance(KEY, quantity=10, version=1, shopify_expected=10, imported_at=IMPORTED)
    # The shop-wide flag (the operator's clock) says the opposite: the level's own instant decides.
    change = plan_change([sale(sold_at, before_onboarding=delta != 0)], {}, {KEY: balance}, NOW)
    [update] = change.balances
    assert (update.quantity_delta, update.shopify_expected_delta) == (delta, delta)
    [line] = change.lines
    assert line.sold_delta == 2  # sold either way: a later refund of it restocks


def test_a_level_imported_without_an_instant_keeps_the_shop_wide_rule() -> None:
    balance = Balance(KEY, quantity=10, version=1, shopify_expected=10)
    [update] = plan_change([sale(NOW, before_onboarding=True)], {}, {KEY: balance}, NOW).balances
    assert update.quantity_delta == 0


def test_the_opening_balance_records_its_instant_once() -> None:
    opening = opening_balance(KEY.shop, KEY.location, KEY.sku, 7, imported_at=IMPORTED)
    [update] = plan_change([opening], {}, {}, NOW).balances
    assert (update.quantity_delta, update.imported_at) == (7, IMPORTED)
    known = Balance(KEY, quantity=7, version=1, shopify_expected=7, imported_at=IMPORTED - timedelta(days=1))
    again = opening_balance(KEY.shop, KEY.location, KEY.sku, 7, imported_at=IMPORTED)
    [kept] = plan_change([again], {}, {KEY: known}, NOW).balances
    assert kept.imported_at is None  # the first import's instant stays
