"""Applying one queued Shopify event to the ledger: exactly once, whatever the order of arrival.

Each attempt reads the order's lines and the balances it touches, plans one change and commits it
with the versions it read. A lost race plans again; a redelivery finds its entries applied and does
nothing. What cannot be applied is parked whole with the reason; a refund that beats its order waits
for it and is applied as soon as the order is.
"""

import contextlib
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from inventory_ledger.clock import Now
from inventory_ledger.domain.ledger import ActivityEntry, Balance, LevelKey, OrderLineState, Source
from inventory_ledger.domain.merchant import MappingQuery, MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, SkippedLine, Translation
from inventory_ledger.domain.orders import apply_order_cancelled, apply_order_created, apply_refund_created
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.planning import plan_change
from inventory_ledger.domain.shopify_payloads import (
    FulfillmentOrderRead,
    FulfillmentOrdersMoved,
    FulfillmentOrdersRoutingComplete,
    InventoryLevel,
    Order,
    OrderEdited,
    Refund,
    ReverseFulfillmentOrderRead,
    ReverseFulfillmentOrdersDispose,
)
from inventory_ledger.domain.webhooks import READ_FROM_SHOPIFY_TOPICS, Topic, WebhookEnvelope
from inventory_ledger.ports import (
    ConcurrentChange,
    DuplicateEntry,
    FulfillmentOrdersFor,
    LedgerRepository,
    PushRefused,
    ReadAhead,
    TransientFailure,
)

# The domain rules of the topics only some messages carry (order edits, fulfilment order moves,
# returns' dispositions): imported where those are translated, so a container that never sees one
# neither compiles nor runs them at its cold start (tests/unit/test_cold_start_imports.py).
TOPIC_MODULES = (
    "inventory_ledger.domain.order_edits",
    "inventory_ledger.domain.fulfilment_moves",
    "inventory_ledger.domain.returns",
)

# A transaction holds at most 100 items; a line writes at most two entries, its record and a balance.
LINES_PER_TRANSACTION = 24
# A lost race plans again after a random pause of up to BACKOFF_BASE_SECONDS * 2**conflicts (capped):
# "full jitter", so consumers racing for one hot level spread out instead of colliding again in step.
# 40 attempts wait about 7 s at most in all, well inside the consumer's 60 s timeout.
MAX_ATTEMPTS = 40
BACKOFF_BASE_SECONDS = 0.005
BACKOFF_CAP_SECONDS = 0.25

Lines = dict[tuple[int, int], OrderLineState]
# An attempt's order lines and balances, read already (with the merchant's view).
FirstRead = tuple[Lines, dict[LevelKey, Balance]]


@dataclass
class ApplyResult:
    event_id: str
    topic: str
    shop: str
    applied: list[ActivityEntry] = field(default_factory=list)
    parked: ParkedEvent | None = None
    skipped: list[str] = field(default_factory=list)
    # Order lines that are not stock (gift cards, untracked, custom): counted by reason (consume.py).
    skipped_lines: list[SkippedLine] = field(default_factory=list)
    released: list["ApplyResult"] = field(default_factory=list)

    @property
    def oversells(self) -> list[ActivityEntry]:
        own = [entry for entry in self.applied if entry.oversell]
        return own + [entry for result in self.released for entry in result.oversells]


@dataclass(frozen=True)
class ShopifyReads:
    """What applying an event may need of Shopify beyond its envelope. ``order``: the order's body,
    when a replay of a waiting order edit has one (the order event that released it);
    ``fulfillment_orders``: Shopify's, for a fulfilment order move (and the moves an order releases)."""

    order: Order | None = None
    fulfillment_orders: FulfillmentOrdersFor | None = None


# Neither: a move is parked then, saying no Shopify client is here (ledgerctl replay has one).
NO_SHOPIFY_READS = ShopifyReads()


@dataclass
class PreparedEvent:
    """An order, refund or edit event parsed and mapped, ready to be translated on its order's lines."""

    envelope: WebhookEnvelope
    result: ApplyResult
    shop: str
    order_id: int
    line_ids: list[int]
    translate: Callable[[Lines], Translation]
    order: Order | None  # the payload, when the event is an order's (its waiting events follow it)


def apply_envelope(
    envelope: WebhookEnvelope, ledger: LedgerRepository, now: Now, *, shopify: ShopifyReads = NO_SHOPIFY_READS
) -> ApplyResult:
    if envelope.topic is Topic.RETURNS_PROCESS:
        # Imported here: applying an order read applies its envelopes through this function.
        from inventory_ledger.service.order_read import apply_returns_process

        return apply_returns_process(envelope, ledger, now, shopify)
    prepared, first_read = _prepare_reading_ahead(envelope, ledger, now, shopify)
    if isinstance(prepared, ApplyResult):
        return prepared
    translation = apply_movements(
        ledger, prepared.shop, prepared.order_id, prepared.translate, now, prepared.result.applied,
        line_ids=prepared.line_ids, first_read=first_read,
    )  # fmt: skip
    return finish_envelope(prepared, translation, ledger, now, shopify=shopify)


def _prepare_reading_ahead(
    envelope: WebhookEnvelope, ledger: LedgerRepository, now: Now, shopify: ShopifyReads
) -> "tuple[PreparedEvent | ApplyResult, FirstRead | None]":
    """An order or refund event prepared with its merchant view, order lines and balances read in
    one round trip where the ledger can (ApplyingLedger.merchant_view_lines_and_balances); the
    lines and balances are the first attempt's. Any other event is prepared as it is."""
    payload = None
    if envelope.topic in READ_AHEAD_TOPICS:
        with contextlib.suppress(ValidationError):  # preparing parks it
            payload = parse_payload(envelope)
    if not isinstance(payload, Order | Refund):
        return prepare_envelope(envelope, ledger, now, shopify=shopify), None
    order_id, line_ids = read_ahead_ids(payload)
    ahead = ReadAhead(
        mapping_request(payload),
        order_id,
        line_ids,
        lambda merchant: expected_levels(envelope, payload, merchant, shopify.order),
    )
    merchant, lines, balances = ledger.merchant_view_lines_and_balances(envelope.shop_domain, ahead)
    prepared = prepare_envelope(envelope, ledger, now, shopify=shopify, read=Read(payload, merchant))
    return prepared, (lines, balances)


def expected_levels(
    envelope: WebhookEnvelope, payload: Order | Refund, merchant: MerchantView, order_now: Order | None = None
) -> set[LevelKey]:
    """The levels the event moves when none of its order's lines is in the ledger yet: the balances
    read ahead with its lines (a level it turns out to move besides is read after)."""
    return {m.key for m in _translator(envelope, payload, merchant, order_now)({}).movements}


def read_ahead_ids(payload: Order | Refund) -> tuple[int, list[int]]:
    """The event's order id and the ids of the order's lines it names: what is read ahead."""
    return _order_id(payload), sorted(set(_line_ids(payload)))


@dataclass(frozen=True)
class Read:
    """An order or refund event's payload, parsed, and the merchant's view it needs, read already
    (service/consume.py reads a batch's views at once)."""

    payload: Order | Refund
    merchant: MerchantView | None


def parse_payload(envelope: WebhookEnvelope) -> "Order | Refund | InventoryLevel | OrderEdited":
    """The envelope's payload; raises ValidationError."""
    return PAYLOADS[envelope.topic].model_validate_json(envelope.body)


def prepare_envelope(
    envelope: WebhookEnvelope,
    ledger: LedgerRepository,
    now: Now,
    *,
    shopify: ShopifyReads = NO_SHOPIFY_READS,
    read: Read | None = None,
) -> "PreparedEvent | ApplyResult":
    """The event ready to translate, or its whole result when there is nothing to translate (a level
    observed, an invalid payload or an unknown shop parked). ``read``: the payload and merchant view,
    read already."""
    result = ApplyResult(envelope.event_id, envelope.topic.value, envelope.shop_domain)
    if envelope.topic in READ_FROM_SHOPIFY_TOPICS:
        source = Source(topic=envelope.topic.value, webhook_id=envelope.webhook_id, event_id=envelope.event_id)
        return _prepare_move(envelope, result, source, ledger, now, shopify.fulfillment_orders)
    payload: Order | Refund | InventoryLevel | OrderEdited
    if read is not None:
        payload, merchant = read.payload, read.merchant
    else:
        try:
            payload = parse_payload(envelope)
        except ValidationError as error:
            return park_result(result, envelope, ledger, now, [invalid_problem(error)])
        if isinstance(payload, InventoryLevel):
            result.skipped.append(observe_shopify_level(payload, envelope.shop_domain, ledger, now))
            return result
        merchant = ledger.merchant_view(envelope.shop_domain, mapping_request(payload, shopify.order))
    order_id = _order_id(payload)
    if merchant is None:
        return park_result(result, envelope, ledger, now, [Problem(ProblemKind.UNKNOWN_SHOP, envelope.shop_domain)])
    translate = _translator(envelope, payload, merchant, shopify.order)
    order = payload if isinstance(payload, Order) else None
    return PreparedEvent(envelope, result, merchant.shop, order_id, _line_ids(payload), translate, order)


def _translator(
    envelope: WebhookEnvelope, payload: Order | Refund | OrderEdited, merchant: MerchantView, order_now: Order | None
) -> Callable[[Lines], Translation]:
    """The event's movements on its order's lines (pure: the domain's rules for its topic)."""
    source = Source(topic=envelope.topic.value, webhook_id=envelope.webhook_id, event_id=envelope.event_id)

    def translate(lines: Lines) -> Translation:
        if isinstance(payload, Refund):
            return apply_refund_created(payload, merchant, lines, source)
        if not isinstance(payload, Order):
            from inventory_ledger.domain.order_edits import apply_order_edited  # see TOPIC_MODULES

            return apply_order_edited(payload.order_edit, order_now, merchant, lines, source)
        if envelope.topic is Topic.ORDERS_CANCELLED:
            return apply_order_cancelled(payload, merchant, lines, source)
        return apply_order_created(payload, merchant, lines, source)

    return translate


def _line_ids(payload: Order | Refund | OrderEdited) -> list[int]:
    if isinstance(payload, Order):
        return [line.id for line in payload.line_items]
    if isinstance(payload, Refund):
        return [line.line_item_id for line in payload.refund_line_items]
    return [line.id for line in payload.order_edit.line_items.removals]


def _prepare_move(
    envelope: WebhookEnvelope,
    result: ApplyResult,
    source: Source,
    ledger: LedgerRepository,
    now: Now,
    fulfillment_orders: FulfillmentOrdersFor | None,
) -> "PreparedEvent | ApplyResult":
    """fulfillment_orders/moved and /order_routing_complete name no order: the fulfilment order (moved,
    or routed) is read from Shopify now (whenever the event is applied: first, or released once its
    order arrived), so the ledger follows where it is assigned at that moment. reverse_fulfillment_orders/
    dispose carries no disposition ids and no order line: the reverse fulfilment order is read the same
    way, and every RESTOCKED disposition it holds is applied (each once, by its id: domain/returns.py).
    A shop whose credentials Shopify refuses parks the event as shopify_unreadable (the pusher's sweep
    replays it); throttling and Shopify's failures raise TransientFailure (SQS retries)."""
    disposed = envelope.topic is Topic.REVERSE_FULFILLMENT_ORDERS_DISPOSE
    what = "reverse fulfilment order" if disposed else "fulfilment order"
    try:
        named = _reverse_fulfillment_order_named(envelope) if disposed else _fulfillment_order_named(envelope)
    except ValidationError as error:
        return park_result(result, envelope, ledger, now, [invalid_problem(error)])
    read = _read_or_park(envelope, result, ledger, now, what, named, fulfillment_orders)
    if isinstance(read, ApplyResult):
        return read
    if isinstance(read, ReverseFulfillmentOrderRead):
        returned = read  # narrowed, for the closure below
        locations: list[int | None] = [d.location_id for line in read.line_items for d in line.dispositions]

        def translator(merchant: MerchantView) -> Callable[[Lines], Translation]:
            from inventory_ledger.domain.returns import apply_reverse_fulfillment_order_disposed  # TOPIC_MODULES

            return lambda lines: apply_reverse_fulfillment_order_disposed(
                returned, merchant, lines, source, disposed_at=envelope.triggered_at
            )
    else:
        moved = read  # narrowed, for the closure below
        locations = [read.location_id, *(f.location_id for f in read.fulfillments)]

        def translator(merchant: MerchantView) -> Callable[[Lines], Translation]:
            from inventory_ledger.domain.fulfilment_moves import apply_fulfillment_order_moved  # TOPIC_MODULES

            return lambda lines: apply_fulfillment_order_moved(
                moved, merchant, lines, source, moved_at=envelope.triggered_at
            )

    variants = (line.variant_id for line in read.line_items)
    merchant = ledger.merchant_view(envelope.shop_domain, MappingQuery.of(shopify_location_ids=locations,
                                                                          variant_ids=variants))  # fmt: skip
    if merchant is None:
        return park_result(result, envelope, ledger, now, [_unknown_shop(envelope)])
    line_ids = [line.line_item_id for line in read.line_items]
    return PreparedEvent(envelope, result, merchant.shop, read.order_id, line_ids, translator(merchant), None)


def _read_or_park(
    envelope: WebhookEnvelope,
    result: ApplyResult,
    ledger: LedgerRepository,
    now: Now,
    what: str,
    read_id: int,
    fulfillment_orders: FulfillmentOrdersFor | None,
) -> "FulfillmentOrderRead | ReverseFulfillmentOrderRead | ApplyResult":
    """The (reverse) fulfilment order the event names, read from Shopify now; or the event parked with
    why it was not (no client here, refused credentials, nothing by that id, an answer it cannot read)."""
    kind, reason = ProblemKind.SHOPIFY_UNREADABLE, f"the {what} was not read: no Shopify client here"
    found: FulfillmentOrderRead | ReverseFulfillmentOrderRead | None = None
    if fulfillment_orders is not None:
        try:
            reads = fulfillment_orders(envelope.shop_domain)
            if envelope.topic is Topic.REVERSE_FULFILLMENT_ORDERS_DISPOSE:
                found = reads.reverse_fulfillment_order(read_id)
            else:
                found = reads.fulfillment_order(read_id)
            kind = ProblemKind.INVALID_PAYLOAD
            reason = f"Shopify has no {what} {read_id} (deleted, or not readable)"
        except PushRefused as error:
            reason = f"the {what} was not read: {error}"
        except ValidationError as error:
            kind = ProblemKind.INVALID_PAYLOAD
            reason = f"Shopify's {what} {read_id} could not be read: {invalid_problem(error).detail}"
    if found is None:
        known = ledger.merchant_view(envelope.shop_domain) is not None
        problem = Problem(kind, reason) if known else _unknown_shop(envelope)
        return park_result(result, envelope, ledger, now, [problem])
    return found


def _reverse_fulfillment_order_named(envelope: WebhookEnvelope) -> int:
    """The reverse fulfilment order a dispose names; raises ValidationError."""
    return ReverseFulfillmentOrdersDispose.model_validate_json(envelope.body).id


def _fulfillment_order_named(envelope: WebhookEnvelope) -> int:
    """The fulfilment order a move (the one now holding the moved units) or a routing names; raises
    ValidationError."""
    if envelope.topic is Topic.FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE:
        return FulfillmentOrdersRoutingComplete.model_validate_json(envelope.body).fulfillment_order.id
    return FulfillmentOrdersMoved.model_validate_json(envelope.body).moved_fulfillment_order.id


def _unknown_shop(envelope: WebhookEnvelope) -> Problem:
    return Problem(ProblemKind.UNKNOWN_SHOP, envelope.shop_domain)


def finish_envelope(
    prepared: PreparedEvent,
    translation: Translation,
    ledger: LedgerRepository,
    now: Now,
    *,
    shopify: ShopifyReads = NO_SHOPIFY_READS,
) -> ApplyResult:
    """After its movements were committed: what was skipped, what is parked, what waited for the order."""
    result, order_id = prepared.result, prepared.order_id
    result.skipped = translation.skipped
    result.skipped_lines = translation.skipped_lines
    if translation.problems:
        waits = all(p.kind is ProblemKind.WAITING_FOR_ORDER for p in translation.problems)
        park_result(
            result, prepared.envelope, ledger, now, translation.problems, waiting_for_order=order_id if waits else None
        )
    if prepared.order is not None:
        # Refunds and edits waiting for this order, now that its lines are in the ledger (an edit is
        # translated on this body of the order).
        waiting = ledger.waiting_for_order(prepared.shop, order_id)
        released_with = replace(shopify, order=prepared.order)
        result.released = [replay_parked(event, ledger, now, shopify=released_with) for event in waiting]
    return result


def observe_shopify_level(level: InventoryLevel, shop: str, ledger: LedgerRepository, now: Now) -> str:
    """Shopify's own report of a level. Never a movement: the ledger is the truth (docs/pushing.md).

    Our own push echoing back, or a level that agrees, changes nothing. Anything else is remembered
    as an observation: a sale whose webhook is still on its way looks exactly like an admin edit, and
    trusting either as `shopify_expected` could let the next push re-inflate stock. The push's
    compare-and-swap refuses while they disagree, and the reconciler reports and heals the level.
    """
    merchant = ledger.merchant_view(
        shop, MappingQuery.of(shopify_location_ids=[level.location_id], inventory_item_ids=[level.inventory_item_id])
    )
    location = merchant.locations_by_shopify_id.get(level.location_id) if merchant else None
    sku = merchant.skus_by_inventory_item.get(level.inventory_item_id) if merchant else None
    if merchant is None or location is None or sku is None or level.available is None:
        return "inventory level of an unmapped location or item"
    key = LevelKey(merchant.shop, location, sku)
    balance = ledger.balances([key]).get(key)
    if balance is None:
        return "inventory level of a level the ledger does not hold"
    if level.available == balance.shopify_expected:
        return "inventory level agrees (our own push, or Shopify's echo of a movement we applied)"
    ledger.record_shopify_observation(key, level.available, now())
    return f"inventory level disagrees: Shopify reports {level.available}, expected {balance.shopify_expected}"


def apply_movements(
    ledger: LedgerRepository,
    shop: str,
    order_id: int | None,
    translate: Callable[[Lines], Translation],
    now: Now,
    applied: list[ActivityEntry],
    *,
    line_ids: Iterable[int] | None = None,
    first_read: FirstRead | None = None,
) -> Translation:
    """Commits the movements ``translate`` asks for, chunk by chunk, planning each on fresh state.

    With the order's ``line_ids`` known, each attempt reads those lines and the balances it expects to
    touch in one round trip (the levels the last plan touched, or at first those a plan on no lines
    names); a level it did not expect is read after. A lost race backs off with jitter and plans again.
    ``first_read``: the first attempt's lines and balances, read already (with the merchant's view).
    """
    conflicts = 0
    wanted_lines = None if line_ids is None else sorted(set(line_ids))
    expected: set[LevelKey] = set()
    if wanted_lines is not None:
        expected = {m.key for m in translate({}).movements}
    while True:
        if order_id is None:
            lines: Lines = {}
            balances: dict[LevelKey, Balance] = {}
        elif wanted_lines is None:
            lines, balances = ledger.order_lines(shop, order_id), {}
        elif first_read is not None:  # read with the merchant's view, for the levels it expects
            (lines, balances), first_read = first_read, None
        else:
            lines, balances = ledger.lines_and_balances(shop, order_id, wanted_lines, expected)
        translation = translate(lines)
        pending = [m for m in translation.movements if not movement_applied(m, lines)]
        if not pending:
            return translation
        chunk = first_chunk(pending)
        keys = {m.key for m in chunk}
        if wanted_lines is None or not keys <= expected:
            balances = {**balances, **ledger.balances(keys - balances.keys() if wanted_lines else keys)}
        expected = keys
        change = plan_change(chunk, lines, balances, now())
        if change.is_empty:
            return translation
        try:
            ledger.commit(change)
        except ConcurrentChange:
            conflicts += 1
            if conflicts >= MAX_ATTEMPTS:
                raise TransientFailure(f"lost {conflicts} races for order {order_id}; retrying later") from None
            time.sleep(random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**conflicts)))  # noqa: S311
            continue
        except DuplicateEntry:
            return translation  # an operator's command repeated: its entries exist already
        applied.extend(change.entries)
        if order_id is None or len(chunk) == len(pending):
            return translation  # nothing left: no need to read again to find that out


def movement_applied(movement: Movement, lines: Lines) -> bool:
    line = lines.get(movement.order_line) if movement.order_line else None
    return line is not None and movement.entry_id in line.applied


def first_chunk(movements: list[Movement]) -> list[Movement]:
    chosen: list[Movement] = []
    line_ids: set[tuple[int, int] | None] = set()
    for movement in movements:
        if movement.order_line not in line_ids and len(line_ids) >= LINES_PER_TRANSACTION:
            break
        line_ids.add(movement.order_line)
        chosen.append(movement)
    return chosen


# Their payloads are orders and refunds: read ahead with the merchant's view (_prepare_reading_ahead).
READ_AHEAD_TOPICS = frozenset({Topic.ORDERS_CREATE, Topic.ORDERS_CANCELLED, Topic.ORDERS_UPDATED, Topic.REFUNDS_CREATE})
PAYLOADS: dict[Topic, type[Order] | type[Refund] | type[InventoryLevel] | type[OrderEdited]] = {
    Topic.ORDERS_CREATE: Order,
    Topic.ORDERS_CANCELLED: Order,
    Topic.ORDERS_UPDATED: Order,
    Topic.ORDERS_EDITED: OrderEdited,
    Topic.REFUNDS_CREATE: Refund,
    Topic.INVENTORY_LEVELS_UPDATE: InventoryLevel,
}


def _order_id(payload: Order | Refund | OrderEdited) -> int:
    if isinstance(payload, Order):
        return payload.id
    if isinstance(payload, Refund):
        return payload.order_id
    return payload.order_edit.order_id


def mapping_request(payload: Order | Refund | OrderEdited, order_now: Order | None = None) -> MappingQuery:
    """The mappings the event's movements are translated with."""
    if isinstance(payload, Order):
        location_ids = {payload.location_id} | {f.location_id for f in payload.fulfillments}
        items = list(payload.line_items)
    elif isinstance(payload, Refund):
        location_ids = {line.location_id for line in payload.refund_line_items}
        items = [line.line_item for line in payload.refund_line_items if line.line_item]
    else:
        location_ids = set()
        items = list(order_now.line_items) if order_now is not None else []
    return MappingQuery.of(
        shopify_location_ids=location_ids,
        skus=(line.sku for line in items),
        variant_ids=(line.variant_id for line in items),
    )


def invalid_problem(error: ValidationError) -> Problem:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return Problem(ProblemKind.INVALID_PAYLOAD, f"{error.error_count()} error(s), first at {where}: {first['msg']}")


def park_result(
    result: ApplyResult,
    envelope: WebhookEnvelope,
    ledger: LedgerRepository,
    now: Now,
    problems: list[Problem],
    waiting_for_order: int | None = None,
) -> ApplyResult:
    result.parked = ParkedEvent.of(envelope, envelope.model_dump_json(), now(), problems, waiting_for_order)
    ledger.park(result.parked)
    return result


def replay_parked(
    parked: ParkedEvent, ledger: LedgerRepository, now: Now, *, shopify: ShopifyReads = NO_SHOPIFY_READS
) -> ApplyResult:
    """Applies a parked event again (after a mapping was fixed, or its order arrived).

    It stays parked until applied: parking it again replaces it with the reasons that still hold (a
    replay that finds Shopify still unreadable is counted on it).
    """
    envelope = WebhookEnvelope.model_validate_json(parked.envelope)
    result = apply_envelope(envelope, ledger, now, shopify=shopify)
    if result.parked is None:
        ledger.unpark(parked)
    elif result.parked.shopify_unreadable:
        result.parked = replace(result.parked, replays=parked.replays + 1)
        ledger.park(result.parked)
    return result
