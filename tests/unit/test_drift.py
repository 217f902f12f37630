"""The pure comparison: causes, in-flight exclusion, one-sided levels, last agreement."""

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from inventory_ledger.domain.drift import (
    DriftCause,
    ShopifyLevel,
    Verdict,
    compare_level,
    compare_location,
    last_agreement,
    likely_cause,
    push_in_flight,
)
from inventory_ledger.domain.ledger import Balance, LevelKey, PushStatus

SHOP, LOC = "s.myshopify.com", "wh"
NOW = datetime(2026, 11, 24, 3, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=2)


def balance(sku: str = "A", quantity: int = 5, expected: int = 5, **fields: Any) -> Balance:
    return Balance(
        LevelKey(SHOP, LOC, sku),
        quantity=quantity,
        version=3,
        shopify_expected=expected,
        updated_at=fields.pop("updated_at", LONG_AGO),
        **fields,
    )


def level(available: int, item: int = 100, sku: str | None = "A") -> ShopifyLevel:
    return ShopifyLevel(1, item, sku, available)


def test_equal_levels_agree_and_absent_counts_as_zero() -> None:
    assert compare_level(SHOP, LOC, "A", balance(), level(5), now=NOW).verdict is Verdict.AGREES
    assert compare_level(SHOP, LOC, "A", balance(quantity=0, expected=0), None, now=NOW).verdict is Verdict.AGREES
    assert compare_level(SHOP, LOC, "A", None, level(0), now=NOW).verdict is Verdict.AGREES


def test_causes() -> None:
    assert likely_cause(balance(push_status=PushStatus.STALE, shopify_observed=2)) is DriftCause.PUSH_STALE
    assert likely_cause(balance(shopify_observed=2)) is DriftCause.ADMIN_EDIT_SEEN
    assert likely_cause(balance(shopify_observed=5)) is DriftCause.WEBHOOK_NEVER_RECEIVED  # observed what we expected
    assert likely_cause(balance(push_status=PushStatus.UNPUSHABLE)) is DriftCause.UNPUSHABLE
    assert likely_cause(balance(push_status=PushStatus.APPLIED)) is DriftCause.WEBHOOK_NEVER_RECEIVED
    assert likely_cause(None) is DriftCause.WEBHOOK_NEVER_RECEIVED
    assert likely_cause(None, mapped=False) is DriftCause.UNMAPPED_SKU


def test_causes_after_a_catch_up_never_blame_a_webhook() -> None:
    """Every Shopify order movement is in the ledger: what differs is an edit or a push."""
    caught = {"caught_up": True}
    assert likely_cause(balance(push_status=PushStatus.STALE), **caught) is DriftCause.ADMIN_EDIT
    assert (
        likely_cause(balance(push_status=PushStatus.STALE, shopify_observed=2), **caught) is DriftCause.ADMIN_EDIT_SEEN
    )
    assert likely_cause(balance(push_status=PushStatus.FAILED), **caught) is DriftCause.PUSH_FAILED
    # The ledger owes Shopify a push (5 against the 4 Shopify was last told), or owes it nothing.
    assert likely_cause(balance(push_status=PushStatus.APPLIED, expected=4), **caught) is DriftCause.PUSH_NEVER_LANDED
    assert likely_cause(balance(push_status=PushStatus.APPLIED), **caught) is DriftCause.ADMIN_EDIT
    assert likely_cause(None, **caught) is DriftCause.ADMIN_EDIT
    assert likely_cause(None, mapped=False, **caught) is DriftCause.UNMAPPED_SKU
    for status in (*PushStatus, None):
        assert likely_cause(balance(push_status=status), **caught) is not DriftCause.WEBHOOK_NEVER_RECEIVED


def test_a_drift_row_carries_both_levels_the_last_agreement_and_its_age() -> None:
    agreed = NOW - timedelta(hours=5)
    result = compare_level(SHOP, LOC, "A", balance(last_agreed_at=agreed), level(3), now=NOW)
    assert result.verdict is Verdict.DRIFT
    row = result.row
    assert row is not None
    assert (row.ledger_level, row.shopify_level, row.units, row.inventory_item_id) == (5, 3, 2, 100)
    assert row.last_agreed_at == agreed
    assert row.age_seconds == 5 * 3600
    assert row.cause is DriftCause.WEBHOOK_NEVER_RECEIVED


def test_a_push_in_flight_is_not_drift_until_the_settle_window_passes_or_the_push_goes_stale() -> None:
    moving = balance(quantity=7, expected=5, updated_at=NOW - timedelta(seconds=30))
    assert compare_level(SHOP, LOC, "A", moving, level(5), now=NOW).verdict is Verdict.IN_FLIGHT
    later = NOW + timedelta(minutes=3)
    assert compare_level(SHOP, LOC, "A", moving, level(5), now=later).verdict is Verdict.DRIFT
    wider = compare_level(SHOP, LOC, "A", moving, level(5), now=later, settle_window=timedelta(minutes=10))
    assert wider.verdict is Verdict.IN_FLIGHT
    stale = balance(quantity=7, expected=5, updated_at=NOW - timedelta(seconds=30), push_status=PushStatus.STALE)
    assert compare_level(SHOP, LOC, "A", stale, level(5), now=NOW).row.cause is DriftCause.PUSH_STALE  # type: ignore[union-attr]


def test_a_recent_change_that_agrees_with_shopify_expected_is_drift_not_a_push_in_flight() -> None:
    # The ledger and what Shopify should show agree: nothing is on its way, so Shopify really differs.
    recent = balance(quantity=5, expected=5, updated_at=NOW - timedelta(seconds=5))
    assert not push_in_flight(recent, NOW)
    assert compare_level(SHOP, LOC, "A", recent, level(4), now=NOW).verdict is Verdict.DRIFT


def test_a_level_that_moved_or_was_pushed_after_shopify_was_read_is_not_judged_on_the_older_read() -> None:
    read_at = NOW - timedelta(minutes=10)
    pushed = balance(last_agreed_at=NOW - timedelta(minutes=1))
    assert compare_level(SHOP, LOC, "A", pushed, level(3), now=NOW, read_at=read_at).verdict is Verdict.IN_FLIGHT
    assert compare_level(SHOP, LOC, "A", pushed, level(3), now=NOW).verdict is Verdict.DRIFT


def test_last_agreement_uses_the_location_watermark_only_for_levels_without_a_drift_mark() -> None:
    watermark = NOW - timedelta(days=1)
    assert last_agreement(balance(), watermark) == watermark
    assert last_agreement(balance(last_agreed_at=LONG_AGO, drift_since=watermark), watermark) == LONG_AGO
    assert last_agreement(None, watermark) is None
    since = NOW - timedelta(hours=1)
    row = compare_level(SHOP, LOC, "A", balance(drift_since=since), level(1), now=NOW).row
    assert row is not None
    assert row.last_agreed_at is None
    assert row.age_seconds == 3600  # at least since the reconciler first saw it


def test_compare_location_covers_both_sides_and_names_unmapped_items() -> None:
    shopify = {100: 5, 101: 9, 555: 2}
    results = list(
        compare_location(
            SHOP,
            LOC,
            1,
            [balance("A"), balance("B", 4, 4), balance("C", 3, 3)],
            shopify,
            {"A": 100, "B": 101, "C": 102, "D": 103},
            {100: "A", 101: "B", 102: "C", 103: "D"},
            now=NOW,
            shopify_skus={555: "CAP"},
        )
    )
    verdicts = {r.sku: (r.verdict, r.row.cause if r.row else None) for r in results}
    assert verdicts == {
        "A": (Verdict.AGREES, None),
        "B": (Verdict.DRIFT, DriftCause.WEBHOOK_NEVER_RECEIVED),
        "C": (Verdict.DRIFT, DriftCause.WEBHOOK_NEVER_RECEIVED),  # Shopify does not stock it here
        "CAP": (Verdict.DRIFT, DriftCause.UNMAPPED_SKU),
    }
    assert shopify == {}  # consumed


@given(
    ledger=st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(-5, 20), max_size=8),
    shop_side=st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(-5, 20), max_size=8),
)
def test_drift_is_exactly_the_levels_that_differ_each_reported_once(
    ledger: dict[str, int], shop_side: dict[str, int]
) -> None:
    items = {sku: 100 + i for i, sku in enumerate("ABCDEFGH")}
    balances = [balance(sku, quantity, quantity) for sku, quantity in ledger.items()]
    shopify = {items[sku]: available for sku, available in shop_side.items()}
    results = list(compare_location(SHOP, LOC, 1, balances, shopify, items, {v: k for k, v in items.items()}, now=NOW))
    drifted = sorted(r.sku for r in results if r.verdict is Verdict.DRIFT)
    expected = sorted(sku for sku in set(ledger) | set(shop_side) if ledger.get(sku, 0) != shop_side.get(sku, 0))
    assert drifted == expected
    assert sorted(r.sku for r in results) == sorted(set(ledger) | set(shop_side))
    assert sum(r.row.units for r in results if r.row) == sum(
        abs(ledger.get(s, 0) - shop_side.get(s, 0)) for s in expected
    )
