"""For any history, delivered in any order with any duplicates, the ledger ends where a simple model does."""

from hypothesis import given, settings

from inventory_ledger.domain.ledger import LevelKey
from tests.support.fake_ledger import InMemoryLedger
from tests.support.histories import LOCATIONS, PRIMARY, SHOP, SKUS, Phase, histories, play


@settings(max_examples=300, deadline=None)
@given(history=histories())
def test_any_delivery_order_and_duplicates_end_at_the_reference_model(history: list[Phase]) -> None:
    ledger = InMemoryLedger(SHOP, primary_location=PRIMARY, locations=LOCATIONS, skus=SKUS)
    reference = play(ledger, history)

    for location in LOCATIONS.values():
        for sku in SKUS:
            balance = ledger.balance_by_key.get(LevelKey(SHOP, location, sku))
            assert (balance.quantity if balance else 0) == reference.levels[(location, sku)], (location, sku)
            assert (balance.shopify_expected if balance else 0) == reference.shopify[(location, sku)], (location, sku)

    written = [entry_id for (_, entry_id) in ledger.entry_by_id]
    assert sorted(written) == sorted(reference.entry_ids)  # one entry per business movement, no more
    assert all(line.restocked <= line.sold for line in ledger.lines.values())
    assert ledger.parked_events(SHOP) == []
