"""Plays a chaos plan against a running LocalStack, then stops the faults, drains, heals and reconciles.

A phase: its counts (everything before is applied by then), its faults switched on, its actions,
the held deliveries released (shuffled or newest first), then quiet: every delivery made (delayed
ones and Shopify's retries included), the queue and the stream drained, until no new webhook comes;
then its faults are switched off, the SKUs it added are mapped (their parked sales replayed) and the
pusher's sweep runs. The merchant's policy is `heal` (admin edits are undone: the reference model
ignores them). After the last phase: heal, drain again, and run the nightly reconciliation with the
policy at `report`.
"""

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from chaos.plan import (
    Action,
    AddSku,
    AdminEdit,
    Cancel,
    Count,
    FaultKind,
    Faults,
    Fulfil,
    LostAck,
    MapSku,
    Phase,
    PlaceOrder,
    Plan,
    Refund,
    Release,
    Transfer,
    error_kind,
)
from chaos.reference import ShopifyIds
from demo.seed import SHOP
from demo.story import Story
from inventory_ledger import bootstrap
from inventory_ledger.clock import utc_now
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.movements import Movement
from inventory_ledger.domain.pushing import LevelPush, PushOutcome, idempotency_key
from inventory_ledger.service.mapping import map_and_import
from inventory_ledger.service.operations import record_operation
from local_stack.driver import LambdaDriver
from local_stack.stack import LocalStack
from shopify_simulator.delivery import Attempt, DeliveryEngine
from shopify_simulator.seeds import LEDGER_TOPICS

# Shopify retries a failed delivery after ~56 s, doubling; compressed so a killed ingress is retried
# within a second and all eight retries fit in about a minute.
RETRY_COMPRESSION = 0.005
QUIET_TIMEOUT_S = 600.0
HEAL_PASSES = 3  # heal runs at the end at most: what one leaves for the next run, the next may heal
ACTOR = "chaos"


class Runner:
    def __init__(self, stack: LocalStack, plan: Plan, progress: Callable[[str], None] = lambda _text: None) -> None:
        self.stack = stack
        self.plan = plan
        self.progress = progress
        self.story = Story(stack, say=lambda _text: None)
        self.ids = ShopifyIds()
        self.faults: Counter[FaultKind] = Counter()
        self.healing: dict[str, Any] = {}
        self.heal_passes: list[dict[str, Any]] = []
        self.nightly: dict[str, Any] = {}
        self._location_ids: dict[str, int] = {}
        # Plan SKU -> the inventory item Shopify gave it, and the ledger's level name where it is not the
        # SKU (a shared SKU's second variant: the name the ledger chose when it was mapped).
        self.items: dict[str, int] = {}
        self._level_names: dict[str, str] = {}
        self._refund_ids: set[int] = set()
        self.held_across_heal: Faults | None = None
        self._held_emitted = 0

    @property
    def driver(self) -> LambdaDriver:
        assert self.stack.driver is not None
        return self.stack.driver

    @property
    def deliveries(self) -> DeliveryEngine:
        """The simulator's delivery engine, in this process: it knows about delayed deliveries and retries."""
        engine: DeliveryEngine = self.stack.simulator.sim.delivery  # the stack holds the simulator untyped (optional)
        return engine

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.story.control(method, path, body)

    # -- the whole run ------------------------------------------------------------------------------

    def play(self) -> None:
        self.story.onboard()
        # The ledger wins over edits in Shopify's admin (the reference model never counts them).
        bootstrap.merchant_directory().set_healing_policy(SHOP, "heal")
        shop = self.control("GET", "")
        self._location_ids = {loc["name"]: int(loc["id"]) for loc in shop["locations"]}
        self.items = {variant["sku"]: int(variant["inventory_item_id"]) for variant in shop["variants"]}
        self._set_delivery(Faults())
        self.quiesce()
        started = time.monotonic()
        for phase in self.plan.phases:
            self.play_phase(phase)
            delivered = sum(1 for attempt in self.deliveries.attempts(SHOP) if _succeeded(attempt))
            self.progress(
                f"phase {phase.number + 1}/{len(self.plan.phases)}: {delivered:,} webhooks delivered, "
                f"{time.monotonic() - started:.0f} s"
            )
        self.heal_and_reconcile()

    def play_phase(self, phase: Phase) -> None:
        for count in phase.counts:
            self.act(count)
        for lost in phase.lost_acks:
            self.act(lost)
        faults = phase.faults
        emitted = self._subscribed_events()
        self._set_delivery(faults, hold=faults.release is not None or faults.across_heal)
        self._inject(faults)
        # Mapping reads Shopify: the operator maps once the phase's faults are off.
        for action in phase.actions:
            if not isinstance(action, MapSku):
                self.act(action)
        mappings = [action for action in phase.actions if isinstance(action, MapSku)]
        if faults.across_heal:
            # Still in flight at the heal: heal_and_reconcile releases them after it.
            self.driver.drain(timeout=QUIET_TIMEOUT_S)
            self.held_across_heal = faults
            self._held_emitted = emitted
            self._clear(faults)
            for mapping in mappings:
                self.act(mapping)
            return
        if faults.release is not None:
            self._set_delivery(faults)
            shuffled = faults.release is Release.SHUFFLED
            order = {"shuffle_seed": faults.shuffle_seed} if shuffled else {"reverse": True}
            released = self.control("POST", "/delivery/flush", order)["released"]
            self.faults[FaultKind.SHUFFLE if shuffled else FaultKind.REVERSE] += released
        self.quiesce()
        # Every event of the phase (pushes' echoes too) was delivered under the phase's mode.
        emitted = self._subscribed_events() - emitted
        self.faults[FaultKind.DUPLICATE] += emitted * faults.duplicate
        if faults.delay_s:
            self.faults[FaultKind.DELAY] += emitted * (1 + faults.duplicate)
        self._clear(faults)
        for mapping in mappings:
            self.act(mapping)
        self.quiesce()
        self.sweep()

    def sweep(self) -> None:
        """The pusher's schedule fires: levels set aside while Shopify refused are pushed again."""
        outcome = self.driver.invoke(
            "level_pusher", {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
        )
        if outcome.error is not None:
            raise RuntimeError(f"the re-push sweep failed: {outcome.error}")
        self.quiesce()

    def _release_after_heal(self) -> None:
        faults = self.held_across_heal
        if faults is None:
            return
        self._set_delivery(faults)
        if faults.release is Release.SHUFFLED:
            order: dict[str, Any] = {"shuffle_seed": faults.shuffle_seed}
        else:
            order = {"reverse": faults.release is Release.NEWEST_FIRST}
        released = self.control("POST", "/delivery/flush", order)["released"]
        self.faults[FaultKind.LATE_ACROSS_HEAL] += released
        if faults.release is not None:
            self.faults[FaultKind.SHUFFLE if faults.release is Release.SHUFFLED else FaultKind.REVERSE] += released
        self._set_delivery(Faults())
        self.quiesce()
        # Every event of the phase was delivered under its mode, after the heal.
        emitted = self._subscribed_events() - self._held_emitted
        self.faults[FaultKind.DUPLICATE] += emitted * faults.duplicate
        if faults.delay_s:
            self.faults[FaultKind.DELAY] += emitted * (1 + faults.duplicate)
        self.held_across_heal = None

    def heal_and_reconcile(self) -> None:
        self.control("DELETE", "/faults")
        held = self.held_across_heal is not None
        if held:
            self.driver.drain(timeout=QUIET_TIMEOUT_S)  # the held deliveries stay held through the heal
        else:
            self._set_delivery(Faults())
            self.quiesce()
        directory = bootstrap.merchant_directory()
        directory.set_healing_policy(SHOP, "heal")
        # A heal leaves for the next run what it cannot vouch for at once (Shopify moved since the read, a
        # stale compare-and-swap): heal again, a bounded number of times, as the next runs would.
        self.heal_passes = []
        for _ in range(HEAL_PASSES):
            self.healing = self.driver.reconcile(SHOP)
            self.heal_passes.append(self.healing)
            if not self.not_healed():
                break
        self.driver.drain(timeout=QUIET_TIMEOUT_S)
        self._release_after_heal()
        self.quiesce()
        self.sweep()
        # The nightly run only reports: any drift left would show, not be mended out of sight.
        directory.set_healing_policy(SHOP, "report")
        self.nightly = self.driver.reconcile()

    def not_healed(self) -> dict[str, str]:
        """The last heal's drifted levels it left as they were, and why: each run of the reconciler's
        answer names its own (one run per merchant, or per location of a large one)."""
        return {level: note for run in self.healing.get("runs", []) for level, note in run["not_healed"].items()}

    # -- waiting ------------------------------------------------------------------------------------

    def quiesce(self, timeout: float = QUIET_TIMEOUT_S) -> None:
        """Until Shopify has nothing left to deliver and the queue and the stream are drained, over a
        round in which no new webhook was sent (pushes make echoes, and echoes are webhooks)."""
        deadline = time.monotonic() + timeout
        while True:
            emitted = len(self.deliveries.events(SHOP))
            self._wait_for_deliveries(deadline)
            self.driver.drain(timeout=max(1.0, deadline - time.monotonic()))
            if self.deliveries.pending_count() == 0 and len(self.deliveries.events(SHOP)) == emitted:
                return

    def _subscribed_events(self) -> int:
        return sum(1 for event in self.deliveries.events(SHOP) if event.topic in LEDGER_TOPICS)

    def _wait_for_deliveries(self, deadline: float) -> None:
        while self.deliveries.pending_count() or self.deliveries.held_count(SHOP):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the simulator still has {self.deliveries.pending_count()} webhooks to deliver")
            time.sleep(0.05)  # polling interval, with the deadline above

    # -- faults -------------------------------------------------------------------------------------

    def _set_delivery(self, faults: Faults, *, hold: bool = False) -> None:
        self.control(
            "PUT",
            "/delivery",
            {
                "hold": hold,
                "duplicate": faults.duplicate,
                "delay_s": faults.delay_s,
                "retry": True,
                "retry_compression": RETRY_COMPRESSION,
            },
        )

    def _inject(self, faults: Faults) -> None:
        for error in faults.shopify_errors:
            self.control(
                "POST",
                "/faults",
                {"kind": "status", "status": error.status, "count": error.count, "retry_after": error.retry_after},
            )
        if faults.throttle is not None:
            throttle = faults.throttle
            self.control(
                "PUT",
                "/plan",
                {
                    "maximum_available": throttle.maximum_available,
                    "restore_rate": throttle.restore_rate,
                    "currently_available": 0,
                },
            )
            self.faults[FaultKind.THROTTLE] += 1
        for stale in faults.stale:
            level = self.shopify_level(stale.location, stale.sku)
            self.control("POST", "/faults/stale", {**level, "count": stale.count})
        for kill in faults.kills:
            self.driver.kill_next(kill.function, kill.count, after_records=kill.after_records)

    def _clear(self, faults: Faults) -> None:
        """Switches the phase's faults off, counting the Shopify answers they actually spoiled."""
        left = self.control("GET", "/faults")
        left_by_status = Counter[int]()
        for fault in left["faults"]:
            left_by_status[fault["status"]] += fault["remaining"]
        for error in faults.shopify_errors:
            self.faults[error_kind(error.status, error.count)] += error.count - left_by_status[error.status]
        self.faults[FaultKind.STALE] += sum(s.count for s in faults.stale) - sum(s["count"] for s in left["stale"])
        self.control("DELETE", "/faults")
        if faults.throttle is not None:
            self.control("PUT", "/plan", {"plan": "standard"})
        self._set_delivery(Faults())

    # -- actions ------------------------------------------------------------------------------------

    def act(self, action: Action) -> None:
        match action:
            case PlaceOrder(order=number, location=location, lines=lines):
                # By inventory item, as a till or the storefront names a variant (two may share a SKU).
                body: dict[str, Any] = {
                    "lines": [{"inventory_item_id": self.items[line.sku], "quantity": line.quantity} for line in lines]
                }
                if location is not None:
                    body["location"] = location
                order = self.control("POST", "/orders", body)
                self.ids.orders[number] = order["id"]
                self.ids.lines[number] = [line["id"] for line in order["line_items"]]
            case Fulfil(order=number, lines=lines):
                self.control(
                    "POST",
                    f"/orders/{self.ids.orders[number]}/fulfil",
                    {
                        "lines": [
                            {"line_item_id": self.ids.lines[number][index], "quantity": units} for index, units in lines
                        ]
                    },
                )
            case Cancel(order=number):
                order = self.control("POST", f"/orders/{self.ids.orders[number]}/cancel", {"restock": True})
                for refund in order["refunds"]:
                    if refund["id"] not in self._refund_ids:  # the refund Shopify made for the cancel
                        self._refund_ids.add(refund["id"])
                        line_ids = {line["line_item_id"]: line["id"] for line in refund["refund_line_items"]}
                        self.ids.cancel_refunds[number] = (refund["id"], line_ids)
            case Refund(order=number, refund=refund_number, lines=refund_lines):
                body = {
                    "lines": [
                        {
                            "line_item_id": self.ids.lines[number][line.line],
                            "quantity": line.quantity,
                            "restock_type": line.restock_type,
                        }
                        for line in refund_lines
                    ]
                }
                for line, spec in zip(refund_lines, body["lines"], strict=True):
                    if line.location is not None:
                        spec["location_id"] = self._location_ids[line.location]
                refund = self.control("POST", f"/orders/{self.ids.orders[number]}/refunds", body)
                self._refund_ids.add(refund["id"])
                self.ids.refunds[refund_number] = (refund["id"], [line["id"] for line in refund["refund_line_items"]])
            case Transfer(operation_id=operation, sku=sku, source=source, target=target, quantity=quantity):
                source, target = self.story.location(source), self.story.location(target)
                self._record(
                    operations.transfer(SHOP, self.level_name(sku), source, target, quantity, operation, actor=ACTOR)
                )
            case Count(operation_id=operation, location=location, sku=sku, counted=counted):
                location = self.story.location(location)
                self._record(operations.count(SHOP, location, self.level_name(sku), counted, operation, actor=ACTOR))
            case AdminEdit(location=location, sku=sku, available=available):
                self.control("POST", "/admin/levels", {**self.shopify_level(location, sku), "available": available})
            case LostAck():
                self._lost_ack(action)
            case AddSku(sku=sku):
                self._add_sku(sku)
            case MapSku(sku=sku):
                merchant = self.plan.merchant
                mapped = map_and_import(
                    SHOP,
                    locations=[],
                    skus=[merchant.shopify_sku(sku)],
                    ledger=bootstrap.ledger(),
                    directory=bootstrap.merchant_directory(),
                    shopify=bootstrap.shopify_levels_for(SHOP),
                    fulfillment_orders=bootstrap.shopify_fulfillment_orders_for,
                    now=utc_now,
                    actor=ACTOR,
                )
                # The ledger names the level; a plan SKU whose item it did not map fails the run here.
                [name] = [name for name, item in mapped.skus.items() if item == self.items[sku]]
                if name != sku:
                    self._level_names[sku] = name
                self.faults[FaultKind.REMAP] += 1
                if sku in merchant.shared_skus:
                    self.faults[FaultKind.SHARED_SKU] += 1
                self.story.past_the_import_second()

    def level_name(self, sku: str) -> str:
        """The ledger's name of a plan SKU's levels."""
        return self._level_names.get(sku, sku)

    def shopify_level(self, location: str, sku: str) -> dict[str, Any]:
        """A plan level as the simulator's control API names it (by inventory item: SKUs may be shared)."""
        return {"inventory_item_id": self.items[sku], "location": location}

    def _add_sku(self, sku: str) -> None:
        """Shopify gains the plan SKU's variant (a second one of a mapped SKU, when shared) with its
        opening levels at every location."""
        merchant = self.plan.merchant
        shown = merchant.shopify_sku(sku)
        self.control("POST", "/seed", {"products": [{"title": sku.title(), "variants": [{"sku": shown}]}]})
        known = set(self.items.values())
        [item] = [int(v["inventory_item_id"]) for v in self.control("GET", "")["variants"]
                  if v["sku"] == shown and int(v["inventory_item_id"]) not in known]  # fmt: skip
        self.items[sku] = item
        levels = [{**self.shopify_level(location, sku), "available": merchant.openings[(location, sku)]}
                  for location in merchant.locations]  # fmt: skip
        self.control("POST", "/seed", {"levels": levels})

    def _lost_ack(self, lost: LostAck) -> None:
        """Shopify applies the push the receipt is about to cause, and its answer is lost: the runner sends
        the pusher's own call (the level's next version, from what Shopify is known to show, the pusher's
        key for a call of that level alone) before the ledger records the receipt."""
        ledger, location = bootstrap.ledger(), self.story.location(lost.location)
        level = self.level_name(lost.sku)
        key = LevelKey(SHOP, location, level)
        balance = ledger.balances([key])[key]
        locations, items = bootstrap.merchant_directory().shopify_ids(SHOP, [location], [level])
        push = LevelPush(key, balance.version + 1, balance.quantity + lost.quantity, balance.shopify_expected,
                         items[level], locations[location])  # fmt: skip
        answer = bootstrap.shopify_for(SHOP).set_available([push], idempotency_key=idempotency_key([push]))
        if answer.get(key) is PushOutcome.APPLIED:
            self.faults[FaultKind.LOST_ACK] += 1
        self._record(operations.receive(SHOP, location, level, lost.quantity, lost.operation_id, actor=ACTOR))

    def _record(self, movements: list[Movement]) -> None:
        record_operation(movements, bootstrap.ledger(), utc_now)


def _succeeded(attempt: Attempt) -> bool:
    return attempt.status_code is not None and 200 <= attempt.status_code < 300
