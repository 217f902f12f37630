"""What must hold once a chaos run has drained, and the figures of the run.

- the ledger equals the reference model at every level;
- every business movement the reference names has exactly one activity entry, and no other exists
  (opening and heal entries aside), and each level's entries add up to its balance;
- Shopify's `available` equals the ledger at every level;
- nothing is lost or hidden: the ingest queue is empty, whatever sits in the ingest dead-letter queue
  or the push failure queue is visible (ApproximateNumberOfMessagesVisible is what their alarms
  watch), and nothing is parked (every location and SKU is mapped, every payload is Shopify's own);
- the nightly reconciliation reports no drift and nothing in flight.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chaos.plan import AdminEdit, Cancel, FaultKind, Fulfil, PlaceOrder, Plan, Refund, Transfer
from chaos.reference import Expected, expected
from chaos.runner import Runner
from demo.seed import SHOP
from inventory_ledger import bootstrap
from inventory_ledger.domain.ledger import LevelKey, MovementKind

LEDGER = "ledger = reference"
ENTRIES = "one entry per business movement"
SHOPIFY = "Shopify = ledger"
NOTHING_LOST = "nothing lost or hidden"
RECONCILIATION = "nightly reconciliation: no drift"
CHECKS = (LEDGER, ENTRIES, SHOPIFY, NOTHING_LOST, RECONCILIATION)
NOT_MOVEMENTS = (MovementKind.OPENING, MovementKind.HEAL)


@dataclass
class Outcome:
    plan: Plan
    backend: str
    replay: str  # the command that plays the same plan again
    problems: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in CHECKS})
    figures: dict[str, Any] = field(default_factory=dict)
    faults: Counter[str] = field(default_factory=Counter)  # what was injected (and hit), by kind

    @property
    def agrees(self) -> bool:
        return not any(self.problems.values())


def replay_command(plan: Plan, backend: str) -> str:
    merchant = plan.merchant
    skus = len(merchant.skus) - len(merchant.late_skus)  # the late ones come from the seed again
    return (
        f"python -m chaos --seed {plan.seed} --webhooks {plan.webhooks} --skus {skus} "
        f"--locations {len(merchant.locations)} --dynamodb {backend}"
    )


def check(runner: Runner, backend: str) -> Outcome:
    plan = runner.plan
    outcome = Outcome(plan, backend, replay_command(plan, backend))
    reference = expected(plan, runner.ids)
    ledger = bootstrap.ledger()
    keys = {
        level: LevelKey(SHOP, runner.story.location(level[0]), runner.level_name(level[1]))
        for level in plan.merchant.levels()
    }
    balances = ledger.balances(keys.values())
    quantities = {level: balances[key].quantity if key in balances else 0 for level, key in keys.items()}
    by_item = {
        (level["location_name"], int(level["inventory_item_id"])): int(level["quantities"]["available"])
        for level in runner.control("GET", "/levels")["levels"]
    }
    shopify = {level: by_item.get((level[0], runner.items[level[1]])) for level in plan.merchant.levels()}

    agreeing = Counter[str]()
    movements = heals = checked = 0
    for level, key in keys.items():
        name = f"{level[0]} / {level[1]}"
        if quantities[level] == reference.levels[level]:
            agreeing[LEDGER] += 1
        else:
            outcome.problems[LEDGER].append(f"{name}: ledger {quantities[level]}, reference {reference.levels[level]}")
        if shopify.get(level) == quantities[level]:
            agreeing[SHOPIFY] += 1
        else:
            outcome.problems[SHOPIFY].append(f"{name}: Shopify {shopify.get(level)}, ledger {quantities[level]}")
        entries = ledger.entries(key)
        checked += len(entries)
        ids = Counter(entry.entry_id for entry in entries if entry.kind not in NOT_MOVEMENTS)
        movements += sum(ids.values())
        heals += sum(1 for entry in entries if entry.kind is MovementKind.HEAL)
        problems = [f"{entry_id} x{times}" for entry_id, times in ids.items() if times > 1]
        problems += [f"missing {entry_id}" for entry_id in sorted(reference.entries[level] - set(ids))]
        problems += [f"unexpected {entry_id}" for entry_id in sorted(set(ids) - reference.entries[level])]
        if sum(entry.quantity for entry in entries) != quantities[level]:
            problems.append(f"entries add up to {sum(e.quantity for e in entries)}, balance {quantities[level]}")
        outcome.problems[ENTRIES] += [f"{name}: {problem}" for problem in problems]

    queues = _queues(runner, outcome)
    parked = ledger.parked_events(SHOP)
    outcome.problems[NOTHING_LOST] += [f"parked {event.topic} {event.event_id}: {event.reason}" for event in parked]
    nightly = runner.nightly
    in_flight = sum(run["in_flight"] for run in nightly.get("runs", []))
    if nightly.get("drifted") != 0 or in_flight or nightly.get("failures"):
        outcome.problems[RECONCILIATION].append(
            f"drifted {nightly.get('drifted')}, in flight {in_flight}, failures {nightly.get('failures')}"
        )
    _figures(runner, outcome, reference, agreeing, (movements, heals, checked), queues, len(parked), in_flight)
    return outcome


def _queues(runner: Runner, outcome: Outcome) -> dict[str, int]:
    resources = runner.stack.resources
    sqs = resources.client("sqs")
    names = {
        "ingest queue": resources.ingest_queue_url,
        "ingest DLQ": resources.ingest_dead_letter_queue_url,
        "push failure queue": resources.push_failure_queue_url,
    }
    visible = {}
    for name, url in names.items():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        visible[name] = int(attributes["ApproximateNumberOfMessages"])
        hidden = int(attributes["ApproximateNumberOfMessagesNotVisible"])
        hidden += int(attributes["ApproximateNumberOfMessagesDelayed"])
        if hidden:
            outcome.problems[NOTHING_LOST].append(f"{name}: {hidden} messages in flight or delayed after the drain")
    if visible["ingest queue"]:
        outcome.problems[NOTHING_LOST].append(f"ingest queue: {visible['ingest queue']} messages left after the drain")
    return visible


def _figures(
    runner: Runner,
    outcome: Outcome,
    reference: Expected,
    agreeing: Counter[str],
    entries: tuple[int, int, int],  # business movements, heals, all entries read
    queues: dict[str, int],
    parked: int,
    in_flight: int,
) -> None:
    plan = runner.plan
    movements, heals, checked = entries
    actions = Counter(type(action).__name__ for phase in plan.phases for action in phase.actions)
    attempts = runner.deliveries.attempts(SHOP)
    delivered = [attempt for attempt in attempts if 200 <= (attempt.status_code or 0) < 300]
    events = {attempt.event_id for attempt in delivered}
    counters = runner.driver.status()["counters"]
    killed = counters.get("killed", {})
    for kind, count in runner.faults.items():
        outcome.faults[kind.value] += count
    for function, count in killed.items():
        outcome.faults[f"{function} killed"] += count
    levels = len(reference.levels)
    sqs, stream = counters.get("sqs", {}), counters.get("stream", {})
    outcome.figures.update(
        {
            "merchant": f"{len(plan.merchant.locations)} locations x {len(plan.merchant.skus)} SKUs = {levels} levels",
            "phases": len(plan.phases),
            "actions": (
                f"{actions[PlaceOrder.__name__]} orders, {actions[Fulfil.__name__]} fulfilments, "
                f"{actions[Cancel.__name__]} cancels, {actions[Refund.__name__]} refunds, "
                f"{actions[Transfer.__name__]} transfers, {sum(len(p.counts) for p in plan.phases)} counts, "
                f"{actions[AdminEdit.__name__]} admin edits"
            ),
            "webhooks delivered (2xx)": len(delivered),
            "deliveries refused (killed ingress, retried by Shopify)": len(attempts) - len(delivered),
            "distinct Shopify events delivered": len(events),
            "duplicate deliveries": len(delivered) - len(events),
            "queue messages consumed / redelivered": f"{sqs.get('deleted', 0)} / {sqs.get('redeliveries', 0)}",
            "stream retries / bisections": f"{stream.get('retries', 0)} / {stream.get('bisections', 0)}",
            "events applied (business entries written)": movements,
            "heal entries": heals,
            "levels checked": levels,
            "levels ledger = reference": agreeing[LEDGER],
            "levels Shopify = ledger": agreeing[SHOPIFY],
            "entries checked (with openings and heals)": checked,
            "ingest DLQ / push failure queue / parked": (
                f"{queues['ingest DLQ']} / {queues['push failure queue']} / {parked}"
            ),
            "heal runs: drifted / healed": ", ".join(
                f"{run.get('drifted')} / {run.get('healed')}" for run in runner.heal_passes
            ),
            "heal: levels left unhealed (last run)": "; ".join(
                f"{level}: {note}" for level, note in sorted(runner.not_healed().items())
            )
            or "none",
            "nightly reconciliation: drifted / in flight": f"{runner.nightly.get('drifted')} / {in_flight}",
        }
    )
    missing = [kind.value for kind in FaultKind if not outcome.faults[kind.value]]
    outcome.figures["fault kinds never hit"] = ", ".join(missing) or "none"
