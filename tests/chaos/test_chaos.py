"""Seeded chaos through the whole local stack (docs/chaos.md): random trading under duplicated, delayed
and reordered webhooks, Shopify failing and throttling, stale compare-and-swap answers and killed
invocations; once the faults stop and everything drains, the ledger, its entries, Shopify and the
nightly reconciliation must all agree with the reference model.

A failure names its seed and the command that plays the same plan again (`python -m chaos ...`).
"""

from dataclasses import dataclass

import pytest

from chaos.checks import ENTRIES, LEDGER, NOTHING_LOST, RECONCILIATION, SHOPIFY, Outcome
from chaos.plan import FaultKind, generate
from chaos.scenario import run_scenario

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Scenario:
    backend: str
    seed: int
    webhooks: int = 100
    skus: int = 12
    locations: int = 3

    def __str__(self) -> str:
        return f"{self.backend}-seed{self.seed}"


# Each plan injects every kind of fault at least once (plan.py spreads them over its phases).
SCENARIOS = (Scenario("moto", 3), Scenario("moto", 4, locations=4), Scenario("dynamodb-local", 1, skus=16))


@pytest.fixture(scope="module", params=SCENARIOS, ids=str)
def outcome(request: pytest.FixtureRequest) -> Outcome:
    scenario: Scenario = request.param
    plan = generate(scenario.seed, webhooks=scenario.webhooks, skus=scenario.skus, locations=scenario.locations)
    print(f"chaos seed {scenario.seed} on {scenario.backend}")  # shown with a failure's captured output
    # The stack restores this process's environment and cached clients when it stops.
    return run_scenario(plan, scenario.backend)


def disagreements(outcome: Outcome, check: str) -> str:
    problems = outcome.problems[check]
    return f"seed {outcome.plan.seed}, replay: {outcome.replay}\n" + "\n".join(problems[:25])


def test_the_ledger_ends_exactly_where_the_reference_model_says(outcome: Outcome) -> None:
    assert not outcome.problems[LEDGER], disagreements(outcome, LEDGER)
    assert outcome.figures["levels ledger = reference"] == len(outcome.plan.merchant.levels())


def test_every_business_movement_has_exactly_one_entry(outcome: Outcome) -> None:
    assert not outcome.problems[ENTRIES], disagreements(outcome, ENTRIES)
    assert outcome.figures["events applied (business entries written)"] > 0


def test_every_shopify_level_equals_the_ledger(outcome: Outcome) -> None:
    assert not outcome.problems[SHOPIFY], disagreements(outcome, SHOPIFY)


def test_nothing_is_lost_or_hidden_from_operators(outcome: Outcome) -> None:
    assert not outcome.problems[NOTHING_LOST], disagreements(outcome, NOTHING_LOST)


def test_the_nightly_reconciliation_reports_no_drift(outcome: Outcome) -> None:
    assert not outcome.problems[RECONCILIATION], disagreements(outcome, RECONCILIATION)


def test_every_kind_of_fault_was_injected_and_hit(outcome: Outcome) -> None:
    missing = [kind.value for kind in FaultKind if not outcome.faults[kind.value]]
    assert not missing, f"seed {outcome.plan.seed}, replay: {outcome.replay}\nnever hit: {missing}"
    assert outcome.figures["duplicate deliveries"] > 0


def test_a_seed_gives_the_same_plan_every_time() -> None:
    first = generate(7, webhooks=300, skus=20, locations=4)
    assert generate(7, webhooks=300, skus=20, locations=4) == first
    assert generate(8, webhooks=300, skus=20, locations=4) != first
    assert first.estimated_deliveries >= 300
    assert first.fault_kinds() == set(FaultKind)
