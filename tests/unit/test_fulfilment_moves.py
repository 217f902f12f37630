"""A routed or moved fulfilment order: the line's units follow it (docs/ledger.md "Ship-from-store").

Shopify's order routing assigns an online order's fulfilment order to a location after the order is
created and says so with `fulfillment_orders/order_routing_complete`, naming only the fulfilment order
(https://shopify.dev/docs/api/webhooks/2026-07); fulfillmentOrderMove releases the open units at the
source and commits them at the destination
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentOrderMove); the webhook names no
order, so the consumer reads the fulfilment order (`fulfillmentOrder(id:)`: its order and shipments,
assigned location, lines' `remainingQuantity`) and the envelope carries that read.
"""

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_ledger.domain.fulfilment_moves import apply_fulfillment_order_moved
from inventory_ledger.domain.ledger import LevelKey, MovementKind, OrderLineState, Source
from inventory_ledger.domain.merchant import MerchantView, ProblemKind, VariantLevel
from inventory_ledger.domain.shopify_payloads import FulfillmentOrderRead, ReverseFulfillmentOrderRead
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import PushRefused, ShopifyFulfillmentOrders
from inventory_ledger.service.apply_webhook import ShopifyReads, apply_envelope
from tests.support.shopify_payloads import BIG, envelope, refund
from tests.support.two_locations import ITEM, MERCHANT, NAMES, SHOP, STORE, VARIANT, WAREHOUSE, ledger, now

ORDER, LINE, FO = BIG + 100, BIG + 101, BIG + 300


def read(
    location: int, remaining: int, *, status: str = "OPEN", shipped: tuple[tuple[int, int], ...] = ()
) -> dict[str, Any]:
    """The fulfilment order as the consumer reads it: shipped = (location, units) per fulfilment."""
    return {
        "id": FO, "order_id": ORDER, "status": status, "location_id": location,
        "line_items": [{"line_item_id": LINE, "remaining_quantity": remaining, "total_quantity": 2,
                        "variant_id": VARIANT}],
        "fulfillments": [{"id": BIG + 700 + n, "location_id": at, "status": "success",
                          "line_items": [{"id": LINE, "quantity": units}]} for n, (at, units) in enumerate(shipped)],
    }  # fmt: skip


def line(location: str = "warehouse", **counts: Any) -> dict[tuple[int, int], OrderLineState]:
    return {(ORDER, LINE): OrderLineState(SHOP, ORDER, LINE, "A", location, sold=2, **counts)}


def moves(body: dict[str, Any], lines: dict[tuple[int, int], OrderLineState]) -> list[tuple[str, str, int, str]]:
    translation = apply_fulfillment_order_moved(
        FulfillmentOrderRead.model_validate(body), MERCHANT, lines, Source(topic="fulfillment_orders/moved"),
        moved_at=now(),
    )  # fmt: skip
    assert translation.problems == []
    prefix = f"order/{ORDER}/line/{LINE}/"
    return [(m.key.location, m.kind.value, m.quantity, m.entry_id.removeprefix(prefix)) for m in translation.movements]


def test_the_units_go_back_where_the_ledger_holds_them_and_out_where_the_fulfilment_order_is_now() -> None:
    assert moves(read(STORE, 2), line()) == [
        ("warehouse", "transfer_in", 2, f"moved/{FO}/1/back"),
        ("store", "transfer_out", 2, f"moved/{FO}/1/out"),
    ]


def test_a_line_already_there_or_a_closed_fulfilment_order_moves_nothing() -> None:
    assert moves(read(STORE, 2), line("store")) == []  # a duplicate: the line was moved already
    assert moves(read(STORE, 0, status="CLOSED"), line()) == []
    assert moves(read(STORE, 2, status="CANCELLED"), line()) == []


def test_units_released_or_shipped_away_stay_out_of_the_move_and_a_second_move_is_keyed_apart() -> None:
    """One unit shipped from the store before the move (moved off already), one released: nothing left."""
    assert moves(read(STORE, 1), line(cancel_restocked=1, shipped_away=1)) == []
    applied = frozenset({f"order/{ORDER}/line/{LINE}/moved/{FO}/1/back", f"order/{ORDER}/line/{LINE}/moved/{FO}/1/out"})
    assert moves(read(WAREHOUSE, 2), line("store", applied=applied))[1] == (
        "warehouse",
        "transfer_out",
        2,
        f"moved/{FO}/2/out",
    )


def test_a_unit_shipped_at_the_old_location_before_the_move_is_given_back_there() -> None:
    """The warehouse shipped one unit (the ledger moved nothing then: it held the line there); the move
    carries both units, and the shipment, now judged against the store, gives one back."""
    assert moves(read(STORE, 1, shipped=((WAREHOUSE, 1),)), line()) == [
        ("warehouse", "transfer_in", 2, f"moved/{FO}/1/back"),
        ("store", "transfer_out", 2, f"moved/{FO}/1/out"),
        ("store", "transfer_in", 1, f"shipped/{BIG + 700}/back"),
        ("warehouse", "transfer_out", 1, f"shipped/{BIG + 700}/out"),
    ]


def test_a_move_of_an_order_not_yet_applied_waits_for_it_and_an_unmapped_location_is_named() -> None:
    body = FulfillmentOrderRead.model_validate(read(STORE, 2))
    source = Source(topic="fulfillment_orders/moved")
    waiting = apply_fulfillment_order_moved(body, MERCHANT, {}, source, moved_at=now())
    assert [p.kind for p in waiting.problems] == [ProblemKind.WAITING_FOR_ORDER]
    elsewhere = FulfillmentOrderRead.model_validate(read(BIG + 5, 2))
    unmapped = apply_fulfillment_order_moved(elsewhere, MERCHANT, line(), source, moved_at=now())
    assert [p.kind for p in unmapped.problems] == [ProblemKind.UNMAPPED_LOCATION]
    assert unmapped.movements == []


def test_a_fulfilment_order_of_no_tracked_variant_never_waits_for_its_order() -> None:
    """Gift cards, untracked and custom items are never in the ledger: their order's routing (sent for
    every online order) or move must not wait for lines that will never come."""
    body = read(STORE, 2)
    untracked = MerchantView(SHOP, "warehouse", locations_by_shopify_id=NAMES,
                             levels_by_variant={VARIANT: VariantLevel("A", ITEM, False)})  # fmt: skip
    source = Source(topic="fulfillment_orders/order_routing_complete")
    for merchant, variant in ((untracked, VARIANT), (MERCHANT, None), (MERCHANT, BIG + 99)):
        line_items = [{**body["line_items"][0], "variant_id": variant}]
        read_now = FulfillmentOrderRead.model_validate({**body, "line_items": line_items})
        translation = apply_fulfillment_order_moved(read_now, merchant, {}, source, moved_at=now())
        assert (translation.problems, translation.movements) == ([], [])
        assert [skipped.reason.value for skipped in translation.skipped_lines] == ["not_in_ledger"]


# --------------------------------------------------------------------- any order, any duplicates


@dataclass
class Shopify:
    """One online line of 2 units, routed to the warehouse or the store, as Shopify plays it: moves,
    shipments, a cancel."""

    at: int = WAREHOUSE
    open: int = 2
    cancelled: bool = False
    shipped: list[tuple[int, int]] = field(default_factory=list)
    # What the consumer could read of the fulfilment order after each step.
    reads: list[dict[str, Any]] = field(default_factory=list)

    def snapshot(self) -> None:
        status = "CANCELLED" if self.cancelled else "OPEN" if self.open else "CLOSED"
        self.reads.append(read(self.at, self.open, status=status, shipped=tuple(self.shipped)))

    def level(self, location: int) -> int:
        taken = sum(units for at, units in self.shipped if at == location)
        return -(taken + (self.open if self.at == location and not self.cancelled else 0))


def order_body(state: Shopify, *, cancelled: bool = False) -> dict[str, Any]:
    return {"id": ORDER, "location_id": None, "source_name": "web", "created_at": "2026-11-23T07:00:00+00:00",
            "cancelled_at": "2026-11-23T11:00:00+00:00" if cancelled else None,
            "line_items": [{"id": LINE, "sku": "A", "variant_id": VARIANT, "quantity": 2}],
            "fulfillments": [{"id": BIG + 700 + n, "location_id": at, "status": "success",
                              "line_items": [{"id": LINE, "quantity": units}]}
                             for n, (at, units) in enumerate(state.shipped)]}  # fmt: skip


# topic, body, the step of Shopify's it was sent at, the steps at which a move's delivery may read
Event = tuple[Topic, dict[str, Any], int, list[int]]


ROUTED = {"fulfillment_order": {"id": f"gid://shopify/FulfillmentOrder/{FO}", "status": "open"}}


def play(actions: list[str], cancel: bool, routed_to: int = WAREHOUSE) -> tuple[Shopify, list[Event]]:
    state = Shopify(at=routed_to)
    state.snapshot()  # read 0: the fulfilment order as Shopify's routing assigned it
    events: list[Event] = [(Topic.ORDERS_CREATE, order_body(state), 0, [])]
    moved_at: list[int] = []
    for action in actions:
        if action == "ship" and state.open:
            state.open -= 1
            state.shipped.append((state.at, 1))
            events.append((Topic.ORDERS_UPDATED, order_body(state), len(state.reads), []))
        elif action != "ship" and state.open and NAMES[state.at] != action:
            state.at = STORE if action == "store" else WAREHOUSE
            moved_at.append(len(state.reads))
        state.snapshot()
    if cancel:
        released = state.open
        state.cancelled = True
        events.append((Topic.ORDERS_CANCELLED, order_body(state, cancelled=True), len(state.reads), []))
        if released:
            line = [(BIG + 201, LINE, released, "cancel", state.at, "A")]
            events.append((Topic.REFUNDS_CREATE, refund(BIG + 200, ORDER, line), len(state.reads), []))
        state.snapshot()
    moved = {"original_fulfillment_order": {"id": f"gid://shopify/FulfillmentOrder/{FO}"},
             "moved_fulfillment_order": {"id": f"gid://shopify/FulfillmentOrder/{FO}"}}  # fmt: skip
    last = len(state.reads)
    events += [(Topic.FULFILLMENT_ORDERS_MOVED, moved, step, list(range(step, last))) for step in moved_at]
    # The routing is sent once the order is created; its delivery may read any later state.
    events.append((Topic.FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE, ROUTED, 0, list(range(last))))
    return state, events


class NoReturns(ShopifyFulfillmentOrders):
    """Fulfilment orders only: Shopify has no reverse fulfilment order here."""

    def reverse_fulfillment_order(self, reverse_fulfillment_order_id: int) -> ReverseFulfillmentOrderRead | None:
        return None


class Reads(NoReturns):
    """Shopify's fulfilment order as read now: ``step`` only moves forward, as Shopify's time does."""

    def __init__(self, state: Shopify) -> None:
        self.state, self.step = state, 0

    def fulfillment_order(self, fulfillment_order_id: int) -> FulfillmentOrderRead | None:
        assert fulfillment_order_id == FO
        return FulfillmentOrderRead.model_validate(self.state.reads[self.step])


@settings(max_examples=300, deadline=None)
@given(
    actions=st.lists(st.sampled_from(["store", "warehouse", "ship"]), max_size=4),
    cancel=st.booleans(),
    routed_to=st.sampled_from([WAREHOUSE, STORE]),
    data=st.data(),
)
def test_any_delivery_of_a_routing_moves_shipments_and_a_cancel_ends_at_shopifys_levels(
    actions: list[str], cancel: bool, routed_to: int, data: Any
) -> None:
    """Shopify routes the online order to the primary or the store (the ledger takes the sale at the
    primary), moves the fulfilment order (to the store, back), ships units from wherever it is and may
    cancel the rest; the ledger gets every body in any order, with duplicates, and reads the fulfilment
    order when it applies a routing or a move (first, or released by its order), never before what
    Shopify had done when it sent what the ledger received. Each location ends at Shopify's level, no
    line restocks past what it sold, nothing stays parked."""
    state, events = play(actions, cancel, routed_to)
    book = ledger()
    reads = Reads(state)
    order = data.draw(st.permutations(range(len(events))))
    extra = data.draw(st.lists(st.integers(0, len(events) - 1), max_size=3))
    for index in list(order) + extra:
        topic, body, sent_at, steps = events[index]
        # Shopify is at least where it was when it sent what the ledger has received (a move's read
        # at any step after its move): reads only move forward.
        reads.step = max(reads.step, data.draw(st.sampled_from(steps)) if steps else sent_at)
        shopify = ShopifyReads(fulfillment_orders=lambda _: reads)
        apply_envelope(envelope(topic, body, shop=SHOP, event_id=f"e{index}"), book, now, shopify=shopify)
    levels = {name: book.balance_by_key.get(LevelKey(SHOP, name, "A")) for name in ("warehouse", "store")}
    assert {name: b.quantity if b else 0 for name, b in levels.items()} == {
        "warehouse": state.level(WAREHOUSE),
        "store": state.level(STORE),
    }
    assert all(s.restocked <= s.sold for s in book.lines.values())
    assert book.parked_events(SHOP) == []
    moved = [e for (key, _), e in book.entry_by_id.items() if "/moved/" in e.entry_id]
    assert all(e.kind in (MovementKind.TRANSFER_IN, MovementKind.TRANSFER_OUT) for e in moved)


class Refused(NoReturns):
    def fulfillment_order(self, fulfillment_order_id: int) -> FulfillmentOrderRead | None:
        raise PushRefused("no usable Shopify credentials for the shop")


MOVED = {
    "original_fulfillment_order": {"id": f"gid://shopify/FulfillmentOrder/{FO}", "status": "open"},
    "moved_fulfillment_order": {"id": f"gid://shopify/FulfillmentOrder/{FO}", "status": "open"},
}


def test_a_move_shopify_will_not_let_us_read_is_parked_saying_why_and_an_unknown_shop_as_unknown() -> None:
    book = ledger()
    moved = envelope(Topic.FULFILLMENT_ORDERS_MOVED, MOVED, shop=SHOP, event_id="m")
    refusing = ShopifyReads(fulfillment_orders=lambda _: Refused())
    refused = apply_envelope(moved, book, now, shopify=refusing)
    assert refused.parked is not None
    assert "no usable Shopify credentials" in refused.parked.reason
    assert [p.kind for p in refused.parked.problems] == [ProblemKind.SHOPIFY_UNREADABLE]
    unread = apply_envelope(moved, book, now)
    assert unread.parked is not None
    assert "no Shopify client here" in unread.parked.reason
    assert unread.parked.shopify_unreadable
    stranger = envelope(Topic.FULFILLMENT_ORDERS_MOVED, MOVED, shop="stranger.myshopify.com", event_id="s")
    unknown = apply_envelope(stranger, book, now, shopify=refusing)
    assert unknown.parked is not None
    assert [p.kind for p in unknown.parked.problems] == [ProblemKind.UNKNOWN_SHOP]


class At(NoReturns):
    """The fulfilment order read at one location, with both units open there."""

    def __init__(self, location: int) -> None:
        self.location = location

    def fulfillment_order(self, fulfillment_order_id: int) -> FulfillmentOrderRead | None:
        return FulfillmentOrderRead.model_validate(read(self.location, 2))


def test_a_routing_before_its_order_waits_a_malformed_one_is_invalid_and_an_unmapped_location_is_parked() -> None:
    """The routing's body names only the fulfilment order: one that does not parse is parked
    `invalid_payload` naming the field; one read before its order waits for it and is applied when the
    order arrives (at the store then); one assigned to an unmapped location parks `unmapped_location`."""
    book = ledger()
    at_store = ShopifyReads(fulfillment_orders=lambda _: At(STORE))
    routing = Topic.FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE
    malformed = apply_envelope(envelope(routing, {"fulfillment_order": {"id": 1.5}}, shop=SHOP, event_id="bad"),
                               book, now, shopify=at_store)  # fmt: skip
    assert malformed.parked is not None
    assert [p.kind for p in malformed.parked.problems] == [ProblemKind.INVALID_PAYLOAD]
    assert "fulfillment_order" in malformed.parked.reason
    routed = envelope(routing, ROUTED, shop=SHOP, event_id="r")
    waiting = apply_envelope(routed, book, now, shopify=at_store)
    assert waiting.parked is not None
    assert waiting.parked.is_waiting
    created = apply_envelope(envelope(Topic.ORDERS_CREATE, order_body(Shopify()), shop=SHOP, event_id="o"), book,
                             now, shopify=at_store)  # fmt: skip
    assert [len(r.applied) for r in created.released] == [2]
    quantities = {n: book.balance_by_key[LevelKey(SHOP, n, "A")].quantity for n in ("warehouse", "store")}
    assert quantities == {"warehouse": 0, "store": -2}
    assert apply_envelope(routed, book, now, shopify=at_store).applied == []  # a duplicate
    assert [e.event_id for e in book.parked_events(SHOP)] == ["bad"]  # the routing that waited is applied
    unmapped = apply_envelope(envelope(routing, ROUTED, shop=SHOP, event_id="u"), book, now,
                              shopify=ShopifyReads(fulfillment_orders=lambda _: At(BIG + 5)))  # fmt: skip
    assert unmapped.parked is not None
    assert [p.kind for p in unmapped.parked.problems] == [ProblemKind.UNMAPPED_LOCATION]
    assert unmapped.applied == []
