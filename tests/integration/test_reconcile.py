"""Reconciliation through moto server and the Shopify simulator: drift found with the right cause,
reported to S3 (JSON and CSV), counted in EMF, and healed by compare-and-swap when the merchant opts in."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.service.reconcile import ReconcileOptions, ReconcileRequest, reconcile, reconcile_shop
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.simulated_merchant import SimulatedMerchant, onboard, seed_merchant

pytestmark = pytest.mark.integration


@pytest.fixture
def merchant(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> SimulatedMerchant:
    merchant = seed_merchant(shopify_simulator, local_aws, monkeypatch)
    onboard(merchant)
    return merchant


def drift_the_shop(merchant: SimulatedMerchant) -> None:
    """An admin edit (its webhook delivered), an order whose webhook never comes (the catch-up finds it)
    followed by an admin edit of the same level (its webhook never comes either), an unmapped SKU."""
    merchant.control("POST", "/admin/levels", {"sku": "TEE-S", "location": "Main Warehouse", "available": 3})
    assert merchant.deliver_events("inventory_levels/update") == 1
    merchant.control("POST", "/orders", {"lines": [{"sku": "TEE-M", "quantity": 2}]})  # Shopify 8 -> 6
    merchant.control("POST", "/admin/levels", {"sku": "TEE-M", "location": "Main Warehouse", "available": 5})
    merchant.control(
        "POST",
        "/seed",
        {
            "products": [{"title": "Cap", "variants": [{"sku": "CAP"}]}],
            "levels": [{"sku": "CAP", "location": "Store", "available": 6}],
        },
    )


def report_objects(aws: LocalResources, keys: list[str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    s3 = aws.client("s3")
    json_key, csv_key = keys
    report = json.loads(s3.get_object(Bucket=aws.report_bucket_name, Key=json_key)["Body"].read())
    text = s3.get_object(Bucket=aws.report_bucket_name, Key=csv_key)["Body"].read().decode("utf-8-sig")
    return report, list(csv.DictReader(io.StringIO(text)))


def test_onboarding_starts_the_ledger_and_shopify_expected_at_shopify_and_a_clean_shop_has_no_drift(
    merchant: SimulatedMerchant,
) -> None:
    balance = merchant.balance("main-warehouse", "TEE-S")
    assert (balance.quantity, balance.shopify_expected) == (10, 10)
    assert merchant.balance("store", "TEE-S").quantity == 4
    again = onboard(merchant)  # idempotent: nothing doubled
    assert again.opening_balances == 0
    assert again.already_imported == 4
    assert merchant.balance("main-warehouse", "TEE-S").quantity == 10

    run = reconcile_shop(merchant.shop, bootstrap.reconcile_dependencies())
    assert run.total("checked") == 4
    assert run.total("drifted") == 0
    assert run.rows == []
    report, rows = report_objects(merchant.aws, run.report_uris)
    assert report["summary"]["drifted"] == 0
    assert rows == []


@pytest.mark.parametrize("bulk_threshold", [10_000, 1], ids=["paged", "bulk"])
def test_admin_edits_and_unmapped_sku_are_reported_with_their_causes_after_the_catch_up(
    merchant: SimulatedMerchant, bulk_threshold: int
) -> None:
    drift_the_shop(merchant)
    bootstrap.merchant_directory().set_healing_policy(merchant.shop, "report")  # edits only reported
    run = reconcile_shop(
        merchant.shop, bootstrap.reconcile_dependencies(), options=ReconcileOptions(bulk_threshold_skus=bulk_threshold)
    )
    assert run.read_mode == ("bulk" if bulk_threshold == 1 else "paged")
    causes = {(row.location, row.sku): (row.cause.value, row.ledger_level, row.shopify_level) for row in run.rows}
    # The order whose webhook never came was read from Shopify and applied before judging: TEE-M's
    # remaining unit is the admin edit, never blamed on a webhook.
    assert causes == {
        ("main-warehouse", "TEE-S"): ("admin_edit_seen", 10, 3),
        ("main-warehouse", "TEE-M"): ("admin_edit", 6, 5),
        ("store", "CAP"): ("unmapped_sku", None, 6),
    }
    assert run.total("drift_units") == 7 + 1 + 6
    assert run.catch_up["webhooks_missed"] == 1
    [sale] = [
        e
        for e in bootstrap.ledger().entries(LevelKey(merchant.shop, "main-warehouse", "TEE-M"))
        if e.kind is MovementKind.SALE
    ]
    assert (sale.quantity, sale.source.webhook_id) == (-2, "reconciler-catch-up")

    report, rows = report_objects(merchant.aws, run.report_uris)
    assert run.report_uris == [
        f"reports/{merchant.shop}/{run.run_id}.json",
        f"reports/{merchant.shop}/{run.run_id}.csv",
    ]
    assert report["summary"]["drifted"] == 3
    assert report["summary"]["catch_up"]["webhooks_missed"] == 1
    assert {(r["sku"], r["cause"]) for r in report["rows"]} == {
        ("TEE-S", "admin_edit_seen"),
        ("TEE-M", "admin_edit"),
        ("CAP", "unmapped_sku"),
    }
    by_sku = {row["sku"]: row for row in rows}
    assert by_sku["TEE-M"]["ledger_level"] == "6"
    assert by_sku["TEE-M"]["shopify_level"] == "5"
    assert by_sku["TEE-M"]["difference"] == "-1"
    assert by_sku["TEE-M"]["last_agreed_at"]  # at onboarding, which imported Shopify's level
    assert by_sku["TEE-S"]["healed"] == "report only"
    # Report-only changed nothing at Shopify.
    assert merchant.available("TEE-S", "Main Warehouse") == 3
    # Drift is marked on the balance, so the next run knows since when.
    assert merchant.balance("main-warehouse", "TEE-M").drift_since is not None


def test_healing_sets_shopify_to_the_ledger_by_compare_and_swap_and_records_it(merchant: SimulatedMerchant) -> None:
    drift_the_shop(merchant)
    bootstrap.merchant_directory().set_healing_policy(merchant.shop, "heal")
    run = reconcile_shop(merchant.shop, bootstrap.reconcile_dependencies())
    assert run.healing.value == "heal"
    assert run.total("healed") == 2
    assert merchant.available("TEE-S", "Main Warehouse") == 10
    assert merchant.available("TEE-M", "Main Warehouse") == 6
    for sku in ("TEE-S", "TEE-M"):
        balance = merchant.balance("main-warehouse", sku)
        assert balance.shopify_expected == balance.quantity
        assert balance.drift_since is None
        assert balance.shopify_observed is None
    [heal] = [
        e
        for e in bootstrap.ledger().entries(LevelKey(merchant.shop, "main-warehouse", "TEE-S"))
        if e.kind is MovementKind.HEAL
    ]
    assert heal.entry_id == f"heal/{run.run_id}/main-warehouse/TEE-S"
    assert heal.quantity == 0
    assert "Shopify showed 3" in (heal.reason or "")
    _, rows = report_objects(merchant.aws, run.report_uris)
    assert {row["sku"]: row["healed"] for row in rows}["TEE-S"] == "healed"

    after = reconcile_shop(merchant.shop, bootstrap.reconcile_dependencies())
    assert [(row.sku, row.cause.value) for row in after.rows] == [("CAP", "unmapped_sku")]


def test_a_heal_is_never_a_blind_overwrite(merchant: SimulatedMerchant) -> None:
    drift_the_shop(merchant)
    # Shopify moves again between the read and the heal: the forced stale answer stands in for it.
    merchant.control("POST", "/faults/stale", {"sku": "TEE-M", "location": "Main Warehouse", "count": 5})
    run = reconcile_shop(merchant.shop, bootstrap.reconcile_dependencies(), options=ReconcileOptions(heal=True))
    assert run.total("heal_stale") == 1
    assert run.total("healed") == 1
    assert merchant.available("TEE-M", "Main Warehouse") == 5
    assert merchant.balance("main-warehouse", "TEE-M").shopify_expected == 6  # the caught-up sale, no heal


def test_the_handler_reconciles_one_merchant_and_emits_drifted_levels(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    drift_the_shop(merchant)
    handler = load_handler("drift_reconciler")
    capsys.readouterr()
    summary = handler.lambda_handler({"shop": merchant.shop, "location": "main-warehouse"}, FakeLambdaContext())
    assert summary["drifted"] == 2
    assert summary["runs"][0]["locations"][0]["location"] == "main-warehouse"
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    per_shop = [m for m in emitted if "DriftedLevels" in m and m.get("shop") == merchant.shop]
    assert [m["DriftedLevels"] for m in per_shop] in ([2.0], [[2.0]])
    total = [m for m in emitted if "DriftedLevels" in m and "shop" not in m]
    assert total
    dimensions = total[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert dimensions == [["service"]]  # what DriftAlarm in template.yaml watches
    assert total[0]["DriftUnits"] in (8.0, [8.0])
    assert "WebhooksMissed" in total[0]


def test_the_nightly_schedule_reconciles_every_merchant(
    merchant: SimulatedMerchant, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = seed_merchant(shopify_simulator, merchant.aws, monkeypatch, shop="clean.myshopify.com")
    onboard(other)
    drift_the_shop(merchant)
    schedule = json.loads((Path(__file__).resolve().parents[2] / "events" / "schedule_nightly.json").read_text())
    request = ReconcileRequest.model_validate(schedule)
    assert request.shop is None
    result = reconcile(request, bootstrap.reconcile_dependencies(), bootstrap.reconcile_options())
    assert {run.shop: run.total("drifted") for run in result.runs} == {merchant.shop: 3, other.shop: 0}
    assert result.failures == {}
