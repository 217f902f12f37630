"""ledgerctl in-process against moto server and the Shopify simulator: output and exit codes."""

import json
from typing import Any

import pytest

from inventory_ledger.cli import main
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.apply_webhook import apply_envelope
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.shopify_payloads import envelope, order
from tests.support.simulated_merchant import SimulatedMerchant, seed_merchant

pytestmark = pytest.mark.integration


@pytest.fixture
def merchant(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> SimulatedMerchant:
    return seed_merchant(shopify_simulator, local_aws, monkeypatch)


@pytest.fixture(autouse=True)
def restore_logger(restored_logger: None) -> None:
    """main() sends the shared logger to stderr at WARNING; later tests expect it as it was (conftest)."""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(["--json", *argv])
    out = capsys.readouterr()
    text = out.out.strip()
    return code, json.loads(text) if text.startswith(("{", "[")) else (text or out.err)


def test_onboard_then_operate_and_inspect_a_level(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = merchant.shop
    code, onboarded = run(capsys, "onboard", shop, "--primary-location", "Main Warehouse")
    assert code == 0
    assert set(onboarded["locations"]) == {"main-warehouse", "store"}
    assert onboarded["opening_balances"] == 4
    assert run(capsys, "onboard", shop, "--primary-location", "main-warehouse")[1]["opening_balances"] == 0

    assert run(capsys, "receive", shop, "store", "MUG", "5", "--operation-id", "po-1")[0] == 0
    assert run(capsys, "receive", shop, "store", "MUG", "5", "--operation-id", "po-1")[0] == 1  # applied before
    assert run(capsys, "transfer", shop, "TEE-S", "main-warehouse", "store", "3")[0] == 0
    assert run(capsys, "count", shop, "main-warehouse", "MUG", "2")[0] == 0
    assert run(capsys, "adjust", shop, "store", "TEE-S", "-1", "--reason", "damaged")[0] == 0

    code, shown = run(capsys, "show", shop, "store", "TEE-S")
    assert code == 0
    assert shown["quantity"] == 4 + 3 - 1
    assert [e["kind"] for e in shown["entries"]] == ["opening", "transfer_in", "adjustment"]
    assert [e["balance_after"] for e in shown["entries"]] == [4, 7, 6]
    assert run(capsys, "show", shop, "store", "MUG")[1]["quantity"] == 5

    assert run(capsys, "set-primary", shop, "store")[0] == 0
    assert run(capsys, "set-primary", shop, "nowhere")[0] == 3
    assert run(capsys, "show", shop, "store", "NOPE")[0] == 3
    assert run(capsys, "transfer", shop, "MUG", "store", "store", "1")[0] == 2
    assert run(capsys, "adjust", shop, "store", "MUG", "1")[0] == 2  # --reason is required
    assert run(capsys, "onboard", shop, "--primary-location", "Mars")[0] == 2


def test_reconcile_reports_drift_with_exit_code_1_and_heals_when_asked(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = merchant.shop
    run(capsys, "onboard", shop, "--primary-location", "Main Warehouse")
    code, clean = run(capsys, "reconcile", shop)
    assert code == 0
    assert clean["summary"]["drifted"] == 0

    # An edit in Shopify's admin (its webhook never comes). A sale would be no drift: the reconciler's
    # catch-up applies Shopify's orders before judging, and healing it would put sold units on sale.
    merchant.control("POST", "/admin/levels", {"sku": "TEE-M", "location": "Main Warehouse", "available": 6})
    code, report = run(capsys, "reconcile", shop, "--location", "main-warehouse")
    assert code == 1
    assert [(r["sku"], r["cause"]) for r in report["rows"]] == [("TEE-M", "admin_edit")]

    assert run(capsys, "healing", shop, "heal")[0] == 0
    code, healed = run(capsys, "reconcile", shop)
    assert code == 1  # drift was found (and healed)
    assert healed["summary"]["healed"] == 1
    assert merchant.available("TEE-M", "Main Warehouse") == 8
    assert run(capsys, "reconcile", shop)[0] == 0
    assert run(capsys, "healing", shop, "sometimes")[0] == 2
    assert run(capsys, "reconcile", "unknown.myshopify.com")[0] == 3


def test_parked_events_are_listed_and_replayed_after_the_mapping_is_fixed(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    from inventory_ledger import bootstrap
    from tests.conftest import forget_cached_clients

    shop = merchant.shop
    run(capsys, "onboard", shop, "--primary-location", "Main Warehouse")
    assert run(capsys, "parked", "list", shop)[0] == 1  # nothing parked
    body = order(7_000_000_000_000_000_001, [(7_000_000_000_000_000_002, "NEW-SKU", 1)])
    apply_envelope(envelope(Topic.ORDERS_CREATE, body, shop=shop, event_id="evt-1"), bootstrap.ledger(), _now)
    code, listed = run(capsys, "parked", "list", shop)
    assert code == 0
    assert [(p["event_id"], p["reason"].split(":")[0]) for p in listed["parked"]] == [("evt-1", "unmapped_sku")]
    assert run(capsys, "parked", "replay", shop, "evt-1")[0] == 1  # still unmapped: still parked
    bootstrap.merchant_directory().map_sku(shop, "NEW-SKU", 99)
    forget_cached_clients()
    code, replayed = run(capsys, "parked", "replay", shop, "evt-1")
    assert code == 0
    assert replayed["applied"] == 1
    assert run(capsys, "parked", "replay", shop, "evt-1")[0] == 3


def test_tables_without_json(merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["onboard", merchant.shop, "--primary-location", "Main Warehouse"]) == 0
    capsys.readouterr()
    assert main(["show", merchant.shop, "main-warehouse", "TEE-S"]) == 0
    text = capsys.readouterr().out
    assert "quantity" in text
    assert "KIND" in text
    assert "opening" in text


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
