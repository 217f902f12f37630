"""Repairs that are right (moto server + the Shopify simulator): `ledgerctl accept` takes Shopify's
level as a count and clears the stale mark; the `adopt` policy makes an established Shopify-side edit
the ledger's count (reason shopify_edit)."""

import json
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.cli import main
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.service.operations import record_operation
from inventory_ledger.service.push import push_levels
from inventory_ledger.service.reconcile import reconcile_shop
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.merchant import SHOP, DemoMerchant, now
from tests.support.simulated_merchant import align_simulator_clock

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("restored_logger")]


@pytest.fixture
def local_aws(backend_aws: LocalResources) -> LocalResources:
    """Each shape here runs on both DynamoDB backends: moto server and DynamoDB Local."""
    return backend_aws


KEY = LevelKey(SHOP, "store-a", "A")


def ledgerctl(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(["--json", *argv])
    text = capsys.readouterr().out.strip()
    return code, json.loads(text) if text.startswith("{") else text


def push(merchant: DemoMerchant) -> Any:
    return push_levels([KEY], merchant.ledger, bootstrap.merchant_directory(), bootstrap.shopify_for, now)


def test_accept_takes_shopify_s_level_as_a_count_and_later_pushes_flow(
    merchant: DemoMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    """A count done in Shopify's admin (10 -> 4, its webhook never came): the next push is stale.
    `accept` makes 4 the ledger's level and what Shopify is known to show; the stale mark is gone and
    the next receipt reaches Shopify."""
    merchant.control("POST", "/admin/levels", {"sku": "A", "location": "Store A", "available": 4})
    record_operation(operations.receive(SHOP, "store-a", "A", 2, "po-1"), merchant.ledger, now)
    assert [p.key for p in push(merchant).stale] == [KEY]
    assert merchant.balance("store-a", "A").push_status == "stale"

    code, accepted = ledgerctl(capsys, "accept", SHOP, "store-a", "A")
    assert code == 0
    assert (accepted["shopify_level"], accepted["ledger_before"]) == (4, 12)
    balance = merchant.balance("store-a", "A")
    assert (balance.quantity, balance.shopify_expected, balance.stale_since) == (4, 4, None)
    assert balance.push_status != "stale"
    [count] = [e for e in merchant.ledger.entries(KEY) if e.kind is MovementKind.COUNT]
    assert (count.quantity, count.balance_after) == (-8, 4)
    assert "Shopify showed 4" in (count.reason or "")
    assert push(merchant).pushed == []  # nothing owed: the ledger agrees with Shopify

    record_operation(operations.receive(SHOP, "store-a", "A", 3, "po-2"), merchant.ledger, now)
    assert len(push(merchant).pushed) == 1
    assert merchant.shopify_available("store-a", "A") == 7 == merchant.balance("store-a", "A").quantity
    # The same accept again changes nothing (its entries exist for this version... and Shopify agrees).
    assert ledgerctl(capsys, "accept", SHOP, "store-a", "A")[0] == 0
    assert merchant.balance("store-a", "A").quantity == 7


def test_accept_refuses_a_level_it_does_not_know(merchant: DemoMerchant, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = ledgerctl(capsys, "accept", SHOP, "store-a", "NOPE")
    assert code == 3
    assert merchant.ledger.entries(LevelKey(SHOP, "store-a", "NOPE")) == []
    code, _ = ledgerctl(capsys, "accept", SHOP, "nowhere", "A")
    assert code == 3


def test_the_adopt_policy_counts_an_established_shopify_edit_and_heals_nothing(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    """An admin edit (10 -> 6, no webhook) and a POS sale of 1 whose webhook is in flight (6 -> 5).
    The catch-up applies the sale (ledger 9); what remains is the edit, adopted: the ledger counts 5,
    reason shopify_edit (an adjustment of -4), and Shopify is not rewritten."""
    align_simulator_clock(shopify_simulator.base_url)
    bootstrap.merchant_directory().set_healing_policy(SHOP, "adopt")
    merchant.control("POST", "/admin/levels", {"sku": "A", "location": "Store A", "available": 6})
    merchant.control("POST", "/orders", {"lines": [{"sku": "A", "quantity": 1}], "location": "Store A"})
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies(), location="store-a")
    assert run.healing.value == "adopt"
    assert run.total("adopted") == 1
    assert run.total("healed") == 0
    assert run.heal_notes[KEY] == "adopted: Shopify's 5 as an edit (shopify_edit)"
    assert merchant.shopify_available("store-a", "A") == 5
    balance = merchant.balance("store-a", "A")
    assert (balance.quantity, balance.shopify_expected) == (5, 5)
    kinds = [(e.kind, e.quantity) for e in merchant.ledger.entries(KEY)]
    assert (MovementKind.SALE, -1) in kinds
    assert (MovementKind.ADJUSTMENT, -4) in kinds
    [edit] = [e for e in merchant.ledger.entries(KEY) if e.kind is MovementKind.ADJUSTMENT]
    assert (edit.reason or "").startswith("shopify_edit")
    assert reconcile_shop(SHOP, bootstrap.reconcile_dependencies(), location="store-a").rows == []
