"""ledgerctl in-process against moto server and the Shopify simulator: output and exit codes."""

import json
import os
from datetime import UTC, datetime
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
    assert run(capsys, "receive", shop, "store", "MUG", "5", "--operation-id", "po-1")[0] == 6  # applied before
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
    assert run(capsys, "healing", shop, "report")[0] == 0  # the default, adopt, would take the edit in
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
    assert run(capsys, "parked", "list", shop)[0] == 7  # nothing parked: an empty list
    body = order(7_000_000_000_000_000_001, [(7_000_000_000_000_000_002, "NEW-SKU", 1)])
    apply_envelope(envelope(Topic.ORDERS_CREATE, body, shop=shop, event_id="evt-1"), bootstrap.ledger(), _now)
    code, listed = run(capsys, "parked", "list", shop)
    assert code == 0
    assert [(p["event_id"], p["reason"].split(":")[0]) for p in listed["parked"]] == [("evt-1", "unmapped_sku")]
    assert run(capsys, "parked", "replay", shop, "evt-1")[0] == 5  # still unmapped: still parked, nothing to do
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


def run_text(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_unknown_locations_and_skus_are_refused_naming_the_known_ones_and_move_nothing(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = merchant.shop
    run(capsys, "onboard", shop, "--primary-location", "Main Warehouse")
    code, out, err = run_text(capsys, "transfer", shop, "MUG", "main-warehouse", "nowhere", "4")
    assert code == 3
    assert out == ""
    assert err.strip() == f"ledgerctl: unknown location 'nowhere' for {shop}; known: main-warehouse, store"
    assert run(capsys, "show", shop, "main-warehouse", "MUG")[1]["quantity"] == 5  # nothing moved
    assert len(run(capsys, "show", shop, "main-warehouse", "MUG")[1]["entries"]) == 1
    assert merchant.available("MUG", "Main Warehouse") == 5  # nor in Shopify

    code, _, err = run_text(capsys, "receive", shop, "store", "NOPE", "3")
    assert code == 3
    assert err.strip() == f"ledgerctl: unknown SKU 'NOPE' for {shop}; known: MUG, TEE-M, TEE-S"
    assert run_text(capsys, "count", shop, "attic", "MUG", "2")[0] == 3
    assert run_text(capsys, "adjust", shop, "store", "NOPE", "1", "--reason", "damaged")[0] == 3
    code, _, err = run_text(capsys, "accept", shop, "attic", "MUG")
    assert code == 3
    assert err.strip() == f"ledgerctl: unknown location 'attic' for {shop}; known: main-warehouse, store"
    code, _, err = run_text(capsys, "receive", "other.myshopify.com", "store", "MUG", "1")
    assert code == 3
    assert err.strip() == f"ledgerctl: unknown shop 'other.myshopify.com'; known: {shop}"
    assert len(err.strip().splitlines()) == 1


def test_exit_codes_differ_and_errors_are_one_line(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from inventory_ledger import bootstrap
    from tests.conftest import forget_cached_clients

    shop = merchant.shop
    assert run(capsys, "onboard", shop, "--primary-location", "Main Warehouse")[0] == 0
    assert run(capsys, "receive", shop, "store", "MUG", "1", "--operation-id", "x")[0] == 0
    assert run(capsys, "receive", shop, "store", "MUG", "1", "--operation-id", "x")[0] == 6  # already applied
    assert run(capsys, "oversells", shop)[0] == 7  # empty list
    assert run(capsys, "reconcile", shop)[0] == 0
    # An admin edit (no webhook): an order would be no drift, the reconciler's catch-up applies it.
    merchant.control("POST", "/admin/levels", {"sku": "TEE-M", "location": "Main Warehouse", "available": 6})
    assert run(capsys, "reconcile", shop)[0] == 1  # drift found
    assert run_text(capsys, "transfer", shop, "MUG", "store", "store", "1")[0] == 2  # usage: refused operation
    assert run_text(capsys, "levels")[0] == 2  # usage: a missing argument
    assert run_text(capsys, "activity", shop, "--since", "yesterday")[0] == 2

    table_name = os.environ["LEDGER_TABLE_NAME"]
    monkeypatch.delenv("LEDGER_TABLE_NAME")
    forget_cached_clients()
    code, out, err = run_text(capsys, "shops")
    assert code == 8
    assert out == ""
    assert err.startswith("ledgerctl: missing setting LEDGER_TABLE_NAME")
    assert "--stack NAME" in err
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setenv("LEDGER_TABLE_NAME", table_name)
    forget_cached_clients()

    def broken(self: Any) -> Any:
        raise RuntimeError("the table went away\nsecond line")

    monkeypatch.setattr(type(bootstrap.merchant_directory()), "shops", broken)
    code, out, err = run_text(capsys, "shops")
    assert code == 70
    assert err.strip() == "ledgerctl: unexpected error: RuntimeError: the table went away"
    code, _, err = run_text(capsys, "--json", "shops")
    assert code == 70
    assert json.loads(err) == {"error": "unexpected error: RuntimeError: the table went away"}


def test_json_anywhere_and_version(merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    shop = merchant.shop
    assert main(["onboard", shop, "--primary-location", "Main Warehouse", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["shop"] == shop
    code, out, _ = run_text(capsys, "show", shop, "--json", "store", "TEE-S")
    assert code == 0
    assert json.loads(out)["quantity"] == 4
    code, out, _ = run_text(capsys, "shops", "--version")
    assert code == 0
    assert out.strip() == f"ledgerctl {metadata.version('inventory-ledger')}"
    code, out, _ = run_text(capsys, "--help")
    assert code == 0
    assert "exit codes:" in out
    assert "already applied" in out


def test_list_commands(merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]) -> None:
    from inventory_ledger import bootstrap

    shop = merchant.shop
    run(capsys, "onboard", shop, "--primary-location", "Main Warehouse")
    code, shops = run(capsys, "shops")
    assert code == 0
    assert shops["shops"] == [{"shop": shop, "locations": 2, "skus": 3, "healing": "adopt"}]

    code, levels = run(capsys, "levels", shop, "--location", "main-warehouse")
    assert code == 0
    assert [(row["sku"], row["quantity"]) for row in levels["levels"]] == [("MUG", 5), ("TEE-M", 8), ("TEE-S", 10)]
    assert run(capsys, "levels", shop, "--disagreeing")[0] == 7
    assert run(capsys, "levels", shop, "--location", "attic")[0] == 3

    assert run(capsys, "receive", shop, "store", "TEE-S", "2", "--operation-id", "po-7")[0] == 0
    # After onboarding on Shopify's clock (an order from before is already in the imported level).
    merchant.sim.sim.advance(1)
    sold_at = datetime.fromtimestamp(merchant.sim.sim.state.clock.now(), UTC).isoformat()
    body = order(7_000_000_000_000_000_011, [(7_000_000_000_000_000_012, "MUG", 7)], created_at=sold_at)
    # Lines move their variant's level: the hand-built line names the seeded MUG variant, as Shopify's would.
    seeded = merchant.sim.sim.state.shops[shop].variants.values()
    body["line_items"][0]["variant_id"] = next(v.id for v in seeded if v.sku == "MUG")
    apply_envelope(envelope(Topic.ORDERS_CREATE, body, shop=shop, event_id="evt-big"), bootstrap.ledger(), _now)

    code, activity = run(capsys, "activity", shop, "--kind", "receipt")
    assert code == 0
    assert [(e["location"], e["sku"], e["quantity"]) for e in activity["activity"]] == [("store", "TEE-S", 2)]
    code, activity = run(capsys, "activity", shop, "--location", "main-warehouse", "--sku", "MUG")
    assert [(e["kind"], e["oversell"]) for e in activity["activity"]] == [("sale", True), ("opening", False)], activity
    assert len(run(capsys, "activity", shop, "--limit", "1")[1]["activity"]) == 1
    assert run(capsys, "activity", shop, "--since", "2999-01-01T00:00:00+00:00")[0] == 2  # in the future
    code, oversells = run(capsys, "oversells", shop)
    assert code == 0
    assert [(e["sku"], e["balance_after"]) for e in oversells["oversells"]] == [("MUG", -2)]

    assert run(capsys, "reports", shop)[0] == 7
    assert run(capsys, "reconcile", shop)[0] in (0, 1)
    code, reports = run(capsys, "reports", shop)
    assert code == 0
    assert {r["key"].rsplit(".", 1)[1] for r in reports["reports"]} == {"json", "csv"}


def test_stack_reads_the_deployed_stacks_outputs(
    merchant: SimulatedMerchant,
    local_aws: LocalResources,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through moto server's CloudFormation: DescribeStacks gives the outputs template.yaml declares."""
    from tests.conftest import forget_cached_clients

    run(capsys, "onboard", merchant.shop, "--primary-location", "Main Warehouse")
    outputs = {
        "LedgerTableName": local_aws.table_name,
        "ReportBucketName": local_aws.report_bucket_name,
        "ShopSecretPrefix": local_aws.shop_secret_prefix,
    }
    template = {
        "Resources": {"Marker": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "ledgerctl-stack-marker"}}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    local_aws.client("cloudformation").create_stack(StackName="ledger-test", TemplateBody=json.dumps(template))
    for name in ("LEDGER_TABLE_NAME", "REPORT_BUCKET_NAME"):
        monkeypatch.delenv(name)
    forget_cached_clients()
    assert run_text(capsys, "shops")[0] == 8
    code, shops = run(capsys, "shops", "--stack", "ledger-test")
    assert code == 0
    assert [row["shop"] for row in shops["shops"]] == [merchant.shop]
    code, _, err = run_text(capsys, "--stack", "no-such-stack", "shops")
    assert code == 8
    assert err.startswith("ledgerctl: --stack no-such-stack:")


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
