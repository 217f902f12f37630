"""The night's summary joins the fan-out's plan with each message's outcome (domain/nightly.py)."""

from datetime import UTC, datetime

from inventory_ledger.domain.drift import DriftCause, DriftRow, HealingPolicy
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.nightly import MessageOutcome, MessageStatus, NightlyPlan, PlannedMessage, summarise
from inventory_ledger.service.reconcile.model import ShopRun

AT = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)


def test_a_merchant_is_the_worst_of_its_messages() -> None:
    plan = NightlyPlan("r", AT, (
        PlannedMessage("ok"), PlannedMessage("drift"), PlannedMessage("split", "a"), PlannedMessage("split", "b"),
        PlannedMessage("half", "a"), PlannedMessage("half", "b"), PlannedMessage("gone"),
    ))  # fmt: skip
    done = MessageStatus.RECONCILED
    outcomes = [
        MessageOutcome("ok", None, done, levels=10),
        MessageOutcome("drift", None, done, drifted=3, levels=5, subscriptions_missing=("ORDERS_CREATE",)),
        MessageOutcome("split", "a", done, levels=1),
        MessageOutcome("split", "b", MessageStatus.FAILED, attempts=3, error="TransientFailure: 503"),
        MessageOutcome("half", "a", done, levels=2),  # its other location never ran
        MessageOutcome("stranger", None, MessageStatus.FAILED),  # sent by hand, not in the plan
    ]
    summary = summarise(plan, outcomes, closed_at=AT).as_dict()
    assert (summary["merchants"], summary["reconciled"], summary["drifted"]) == (5, 2, 1)
    assert summary["failed_shops"] == {"split": "failed at b after 3 attempt(s): TransientFailure: 503"}
    assert summary["not_run_shops"] == ["gone", "half"]
    assert summary["drifted_shops"] == ["drift"]
    assert summary["subscriptions_missing"] == {"drift": ["ORDERS_CREATE"]}
    assert summary["levels_checked"] == 15


def test_no_plan_means_every_merchant_did_not_run() -> None:
    summary = summarise(None, [], closed_at=AT, shops=["b", "a"])
    assert (summary.not_run, summary.merchants, summary.run_id) == (["a", "b"], 2, None)
    assert summary.note == "no nightly fan-out started in the window"


def _drifted(location: str, sku: str) -> DriftRow:
    return DriftRow("shop", location, sku, 1, 5, 3, 5, None, DriftCause.ADMIN_EDIT, 0.0)


def test_not_healed_names_each_drifted_level_the_heal_left_and_why() -> None:
    rows = [_drifted("Store", "A"), _drifted("Store", "B"), _drifted("Warehouse", "A"), _drifted("Store", "C")]
    run = ShopRun("r", "shop", AT, "paged", HealingPolicy.HEAL, rows=rows)
    run.heal_notes = {
        rows[0].key: "healed",
        rows[1].key: "stale: Shopify moved since it was read; left for the next run",
        rows[2].key: "adopted: Shopify's 3 as an edit (shopify_edit)",
        # rows[3] has none: the policy let the run only report it.
        LevelKey("shop", "Store", "not-drifted"): "healed",
    }
    assert run.not_healed() == {
        "Store/B": "stale: Shopify moved since it was read; left for the next run",
        "Store/C": "report only",
    }
    assert run.summary()["not_healed"] == run.not_healed()
