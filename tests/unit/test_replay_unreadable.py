"""The sweep's replay of events parked because Shopify could not be read (service/replay_unreadable.py),
on the in-memory ledger: bounded per shop, stopped at the first that is still unreadable, counted."""

from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.shopify_payloads import FulfillmentOrderRead
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import TransientFailure
from inventory_ledger.service.apply_webhook import ShopifyReads, apply_envelope
from inventory_ledger.service.replay_unreadable import replay_unreadable
from tests.support.fake_ledger import InMemoryLedger
from tests.support.shopify_payloads import envelope
from tests.support.two_locations import SHOP, STORE, ledger, now
from tests.unit.test_fulfilment_moves import ROUTED, At, NoReturns, Refused, Shopify, order_body

ROUTING = Topic.FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE


class Unavailable(NoReturns):
    def fulfillment_order(self, fulfillment_order_id: int) -> FulfillmentOrderRead | None:
        raise TransientFailure("Shopify did not answer within the consumer's retries")


def parked_routings(count: int) -> InMemoryLedger:
    """The order applied at the warehouse, and ``count`` deliveries of its routing to the store parked
    while Shopify refused the shop's credentials."""
    book = ledger()
    apply_envelope(envelope(Topic.ORDERS_CREATE, order_body(Shopify()), shop=SHOP, event_id="o"), book, now)
    refusing = ShopifyReads(fulfillment_orders=lambda _: Refused())
    for n in range(count):
        parked = apply_envelope(envelope(ROUTING, ROUTED, shop=SHOP, event_id=f"r{n}"), book, now, shopify=refusing)
        assert parked.parked is not None
        assert [p.kind for p in parked.parked.problems] == [ProblemKind.SHOPIFY_UNREADABLE]
    return book


def at_store(book: InMemoryLedger) -> int:
    return book.balance_by_key[LevelKey(SHOP, "store", "A")].quantity


def test_while_shopify_still_refuses_one_replay_probes_the_shop_and_the_event_stays_parked_once_counted() -> None:
    book = parked_routings(3)
    report = replay_unreadable(book, [SHOP], lambda _: Refused(), now)
    assert (report.replayed, report.still_unreadable) == (0, 1)
    assert "no usable Shopify credentials" in report.shops_unreadable[SHOP]
    parked = book.parked_events(SHOP)
    assert [(e.event_id, e.replays) for e in parked] == [("r0", 1), ("r1", 0), ("r2", 0)]
    replay_unreadable(book, [SHOP], lambda _: Refused(), now)
    assert [e.replays for e in book.parked_events(SHOP)] == [2, 0, 0]


def test_once_shopify_answers_the_replays_apply_at_most_per_shop_a_run_and_the_next_run_the_rest() -> None:
    book = parked_routings(3)
    first = replay_unreadable(book, [SHOP], lambda _: At(STORE), now, per_shop=2)
    assert (first.replayed, first.still_unreadable, first.shops_unreadable) == (2, 0, {})
    assert at_store(book) == -2  # the sale moved to the store once, whatever the number of deliveries
    assert len(book.parked_unreadable(SHOP, 10)) == 1
    second = replay_unreadable(book, [SHOP], lambda _: At(STORE), now, per_shop=2)
    assert second.replayed == 1
    assert book.parked_events(SHOP) == []
    assert at_store(book) == -2


def test_shopify_unavailable_leaves_the_event_parked_as_it_was_and_other_kinds_are_not_replayed() -> None:
    book = parked_routings(1)
    malformed = envelope(ROUTING, {"fulfillment_order": {"id": 1.5}}, shop=SHOP, event_id="bad")
    assert apply_envelope(malformed, book, now, shopify=ShopifyReads(fulfillment_orders=lambda _: At(STORE))).parked
    report = replay_unreadable(book, [SHOP], lambda _: Unavailable(), now)
    assert report.still_unreadable == 1
    assert "TransientFailure" in report.shops_unreadable[SHOP]
    assert [(e.event_id, e.replays) for e in book.parked_events(SHOP)] == [("r0", 0), ("bad", 0)]
    assert replay_unreadable(book, [SHOP], lambda _: At(STORE), now).replayed == 1
    assert [e.event_id for e in book.parked_events(SHOP)] == ["bad"]  # invalid_payload: an operator's
