"""Random merchant histories for property tests, with the reference model they must end at.

A story is one order with what happens to it (cancel, Shopify's cancel refund, returns). Stories are
consistent the way Shopify's are: returns come from shipped units, the cancel and Shopify's `cancel`
refund line cover the same unshipped ones. A phase is some stories whose webhooks arrive in any
order, any number of times, then one operator operation (a count or transfer is a barrier: its
effect depends on what came before it).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.domain import operations as operator
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import LedgerRepository
from inventory_ledger.service.apply_webhook import apply_envelope
from inventory_ledger.service.consume import consume_message, consume_together
from inventory_ledger.service.operations import record_operation
from tests.support.shopify_payloads import BIG, envelope, order, refund

SHOP = "demo-shop.myshopify.com"
PRIMARY = "warehouse"
LOCATIONS = {BIG + 101: "store-a", BIG + 102: "store-b", BIG + 103: PRIMARY}
SKUS = ("A", "B", "C")


@dataclass(frozen=True)
class Line:
    line_id: int
    sku: str
    quantity: int
    shipped: int
    returned: int
    return_type: str
    return_location: int | None


@dataclass(frozen=True)
class Story:
    order_id: int
    pos_location: int | None
    lines: tuple[Line, ...]
    cancelled: bool
    cancel_refund: bool

    @property
    def sale_location(self) -> str:
        return LOCATIONS[self.pos_location] if self.pos_location else PRIMARY

    def webhooks(self) -> list[tuple[Topic, dict[str, Any], str]]:
        lines = [(line.line_id, line.sku, line.quantity) for line in self.lines]
        shipped = {line.line_id: line.shipped for line in self.lines}
        hooks = [
            (
                Topic.ORDERS_CREATE,
                order(self.order_id, lines, location_id=self.pos_location, fulfilled=shipped),
                f"create-{self.order_id}",
            )
        ]
        if self.cancelled:
            body = order(self.order_id, lines, location_id=self.pos_location, fulfilled=shipped, cancelled=True)
            hooks.append((Topic.ORDERS_CANCELLED, body, f"cancel-{self.order_id}"))
        if self.cancel_refund:
            refund_lines = [
                (
                    line.line_id + 50,
                    line.line_id,
                    line.quantity - line.shipped,
                    "cancel",
                    self.pos_location or _shopify_id(PRIMARY),
                    line.sku,
                )
                for line in self.lines
                if line.quantity > line.shipped
            ]
            if refund_lines:
                hooks.append(
                    (
                        Topic.REFUNDS_CREATE,
                        refund(self.order_id + 1, self.order_id, refund_lines),
                        f"cancel-refund-{self.order_id}",
                    )
                )
        returns = [
            (line.line_id + 70, line.line_id, line.returned, line.return_type, line.return_location, line.sku)
            for line in self.lines
            if line.returned
        ]
        if returns:
            hooks.append(
                (Topic.REFUNDS_CREATE, refund(self.order_id + 2, self.order_id, returns), f"return-{self.order_id}")
            )
        return hooks


@dataclass(frozen=True)
class Operation:
    kind: str  # "transfer" or "count"
    sku: str
    location: str
    to_location: str
    quantity: int
    operation_id: str


@dataclass(frozen=True)
class Phase:
    stories: tuple[Story, ...]
    deliveries: tuple[int, ...]  # a permutation of webhook indexes, with repeats
    operation: Operation | None


def _shopify_id(location: str) -> int:
    return next(shopify_id for shopify_id, name in LOCATIONS.items() if name == location)


@st.composite
def lines(draw: st.DrawFn, order_id: int) -> tuple[Line, ...]:
    found = []
    for index in range(draw(st.integers(1, 3))):
        quantity = draw(st.integers(1, 3))
        shipped = draw(st.integers(0, quantity))
        returned = draw(st.integers(0, shipped))
        found.append(
            Line(
                line_id=order_id + 10 + index,
                sku=draw(st.sampled_from(SKUS)),
                quantity=quantity,
                shipped=shipped,
                returned=returned,
                return_type=draw(st.sampled_from(["return", "legacy_restock", "no_restock"])),
                return_location=draw(st.sampled_from([None, *LOCATIONS])),
            )
        )
    return tuple(found)


@st.composite
def stories(draw: st.DrawFn, number: int) -> Story:
    order_id = BIG + 1000 * (number + 1)
    cancelled = draw(st.booleans())
    return Story(
        order_id=order_id,
        pos_location=draw(st.sampled_from([None, BIG + 101, BIG + 102])),
        lines=draw(lines(order_id)),
        cancelled=cancelled,
        cancel_refund=cancelled and draw(st.booleans()),
    )


@st.composite
def operations(draw: st.DrawFn, number: int) -> Operation | None:
    kind = draw(st.sampled_from(["transfer", "count", "none"]))
    if kind == "none":
        return None
    names = sorted(LOCATIONS.values())
    source = draw(st.sampled_from(names))
    target = draw(st.sampled_from([name for name in names if name != source]))
    quantity = draw(st.integers(0 if kind == "count" else 1, 5))
    return Operation(kind, draw(st.sampled_from(SKUS)), source, target, quantity, f"op-{number}")


@st.composite
def histories(draw: st.DrawFn, max_phases: int = 3, max_stories: int = 4) -> list[Phase]:
    phases, number = [], 0
    for phase_index in range(draw(st.integers(1, max_phases))):
        drawn = []
        for _ in range(draw(st.integers(1, max_stories))):
            drawn.append(draw(stories(number)))
            number += 1
        count = sum(len(story.webhooks()) for story in drawn)
        copies = [i for i in range(count) for _ in range(draw(st.integers(1, 3)))]
        phases.append(Phase(tuple(drawn), tuple(draw(st.permutations(copies))), draw(operations(phase_index))))
    return phases


@dataclass
class Reference:
    """What the ledger must hold after a history, computed the simplest way."""

    levels: Counter[tuple[str, str]] = field(default_factory=Counter)
    shopify: Counter[tuple[str, str]] = field(default_factory=Counter)
    entry_ids: set[str] = field(default_factory=set)

    def story(self, story: Story) -> None:
        for line in story.lines:
            self._move(story.sale_location, line.sku, -line.quantity, shopify=True)
            self.entry_ids.add(f"order/{story.order_id}/line/{line.line_id}/sale")
            unshipped = line.quantity - line.shipped
            if story.cancelled:  # the cancel records every line, a shipped one with nothing moved
                self.entry_ids.add(f"order/{story.order_id}/line/{line.line_id}/cancel")
            if story.cancelled and unshipped:
                self._move(story.sale_location, line.sku, unshipped, shopify=True)
                if story.cancel_refund:
                    self.entry_ids.add(f"refund/{story.order_id + 1}/line/{line.line_id + 50}")
            if line.returned and line.return_type != "no_restock":
                where = LOCATIONS[line.return_location] if line.return_location else story.sale_location
                self._move(where, line.sku, line.returned, shopify=True)
                self.entry_ids.add(f"refund/{story.order_id + 2}/line/{line.line_id + 70}")

    def operation(self, operation: Operation) -> None:
        if operation.kind == "count":
            self.levels[(operation.location, operation.sku)] = operation.quantity
            self.entry_ids.add(f"count/{operation.operation_id}")
        else:
            self._move(operation.location, operation.sku, -operation.quantity, shopify=False)
            self._move(operation.to_location, operation.sku, operation.quantity, shopify=False)
            self.entry_ids |= {f"transfer/{operation.operation_id}/out", f"transfer/{operation.operation_id}/in"}

    def _move(self, location: str, sku: str, delta: int, *, shopify: bool) -> None:
        self.levels[(location, sku)] += delta
        if shopify:
            self.shopify[(location, sku)] += delta


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)


def operate(ledger: LedgerRepository, operation: Operation) -> None:
    if operation.kind == "count":
        movements = operator.count(SHOP, operation.location, operation.sku, operation.quantity, operation.operation_id)
    else:
        movements = operator.transfer(
            SHOP, operation.sku, operation.location, operation.to_location, operation.quantity, operation.operation_id
        )
    record_operation(movements, ledger, now)


def play(ledger: LedgerRepository, history: list[Phase], batch: int = 0) -> Reference:
    """Delivers each phase's webhooks one by one (apply_envelope), or with ``batch`` as the consumer
    takes a queue batch of that size: applied together where it can, then the rest one by one."""
    reference = Reference()
    for phase in history:
        webhooks = [hook for story in phase.stories for hook in story.webhooks()]
        queued = []
        for delivery, index in enumerate(phase.deliveries):
            topic, body, event_id = webhooks[index]
            queued.append(envelope(topic, body, shop=SHOP, event_id=event_id, webhook_id=f"w{delivery}"))
        if not batch:
            for one in queued:
                apply_envelope(one, ledger, now)
        for start in range(0, len(queued) if batch else 0, batch or 1):
            messages = [(one.model_dump_json(), f"m{start + n}") for n, one in enumerate(queued[start : start + batch])]
            together = consume_together(messages, ledger, now)
            for message, message_id in messages:
                if message_id not in together:
                    consume_message(message, message_id, ledger, now)
        for story in phase.stories:
            reference.story(story)
        if phase.operation:
            operate(ledger, phase.operation)
            reference.operation(phase.operation)
    return reference


def onboard_history_merchant(table_name: str, extra_skus: Iterable[str] = ()) -> DynamoDbLedger:
    """The merchant these histories use, registered and mapped in a DynamoDB ledger table."""
    directory = DynamoDbMerchantDirectory(table_name)
    directory.register_shop(SHOP, onboarded_at=datetime(2026, 1, 1, tzinfo=UTC))
    for shopify_id, location in LOCATIONS.items():
        directory.map_location(SHOP, location, shopify_id)
    directory.set_primary_location(SHOP, PRIMARY)
    for number, sku in enumerate([*SKUS, *extra_skus]):
        directory.map_sku(SHOP, sku, BIG + 500 + number)
    return DynamoDbLedger(table_name)
