"""Order edits (orders/edited): added units sold, removed units restocked, idempotent by edit and line,
in any order with the order's other webhooks (docs/ledger.md "Order edits").

The orders/edited body is not the order but the edit: `order_edit.line_items.additions/removals`, each
`{id: line item id, delta}` (https://shopify.dev/docs/api/admin-rest/latest/resources/webhook, topic
orders/edited). Only unfulfilled units can be edited (orderEditCommit,
https://shopify.dev/docs/api/admin-graphql/latest/mutations/orderEditCommit); a removed line keeps its
`quantity` and loses `fulfillable_quantity`/`current_quantity`.
"""

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.apply_webhook import ApplyResult, apply_envelope
from inventory_ledger.service.reconcile.catch_up import CATCH_UP_WEBHOOK_ID
from tests.support.fake_ledger import InMemoryLedger
from tests.support.shopify_payloads import BIG, envelope

SHOP = "demo-shop.myshopify.com"
STORE = BIG + 50
ORDER, EDIT, CANCEL_REFUND = BIG + 100, BIG + 200, BIG + 300
LINE_A, LINE_B = BIG + 101, BIG + 102
VARIANT_A, VARIANT_B = BIG + 1, BIG + 2
CREATED, EDITED, CANCELLED = "2026-11-23T08:00:00+00:00", "2026-11-23T09:00:00+00:00", "2026-11-23T10:00:00+00:00"


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)


def merchant() -> InMemoryLedger:
    ledger = InMemoryLedger(SHOP, primary_location="warehouse", locations={STORE: "store"}, skus=())
    ledger.map_variant("A", BIG + 11, VARIANT_A)
    ledger.map_variant("B", BIG + 12, VARIANT_B)
    return ledger


def line(line_id: int, variant_id: int, sku: str, quantity: int) -> dict[str, Any]:
    return {"id": line_id, "variant_id": variant_id, "sku": sku, "quantity": quantity,
            "variant_inventory_management": "shopify", "gift_card": False, "product_exists": True}  # fmt: skip


def order_body(lines: list[dict[str, Any]], updated_at: str, *, shipped: int = 0, cancelled: bool = False) -> Any:
    shipments = [{"id": BIG + 7, "status": "success", "line_items": [{"id": LINE_A, "quantity": shipped}]}]
    return {"id": ORDER, "location_id": STORE, "source_name": "pos", "created_at": CREATED, "updated_at": updated_at,
            "cancelled_at": CANCELLED if cancelled else None, "line_items": lines,
            "fulfillments": shipments if shipped else []}  # fmt: skip


def edit_body(additions: list[tuple[int, int]], removals: list[tuple[int, int]]) -> dict[str, Any]:
    return {"order_edit": {"id": EDIT, "order_id": ORDER, "created_at": EDITED, "notify_customer": False,
                           "staff_note": "", "user_id": None, "app_id": None,
                           "line_items": {"additions": [{"id": i, "delta": d} for i, d in additions],
                                          "removals": [{"id": i, "delta": d} for i, d in removals]},
                           "discounts": {"line_item": {"additions": [], "removals": []}},
                           "shipping_lines": {"additions": [], "removals": []}}}  # fmt: skip


def deliver(ledger: InMemoryLedger, topic: Topic, body: dict[str, Any], event_id: str, **kw: str) -> ApplyResult:
    return apply_envelope(envelope(topic, body, shop=SHOP, event_id=event_id, **kw), ledger, now)


def level(ledger: InMemoryLedger, sku: str) -> int:
    balance = ledger.balance_by_key.get(LevelKey(SHOP, "store", sku))
    return balance.quantity if balance else 0


def test_added_units_are_sold_from_the_order_body_and_removed_units_restocked_once() -> None:
    ledger = merchant()
    deliver(ledger, Topic.ORDERS_CREATE, order_body([line(LINE_A, VARIANT_A, "A", 3)], CREATED), "create")
    deliver(ledger, Topic.ORDERS_EDITED, edit_body([(LINE_A, 2)], [(LINE_A, 1)]), "edit")
    assert level(ledger, "A") == -2  # the removal at once; the added units come with the body
    for attempt in range(2):  # orders/updated shows A at 5 units ordered, twice: sold once
        deliver(ledger, Topic.ORDERS_UPDATED, order_body([line(LINE_A, VARIANT_A, "A", 5)], EDITED), f"upd-{attempt}")
    result = deliver(ledger, Topic.ORDERS_EDITED, edit_body([(LINE_A, 2)], [(LINE_A, 1)]), "edit-again")
    assert result.applied == []
    assert level(ledger, "A") == -4
    assert {e.entry_id for e in ledger.entry_by_id.values()} == {
        f"order/{ORDER}/line/{LINE_A}/sale", f"order/{ORDER}/line/{LINE_A}/sold-to/5",
        f"order_edit/{EDIT}/line/{LINE_A}/remove",
    }  # fmt: skip


def test_a_line_the_edit_created_is_sold_from_the_body_whichever_path_brings_it() -> None:
    ledger = merchant()
    deliver(ledger, Topic.ORDERS_CREATE, order_body([line(LINE_A, VARIANT_A, "A", 1)], CREATED), "create")
    deliver(ledger, Topic.ORDERS_EDITED, edit_body([(LINE_B, 2)], []), "edit")
    assert level(ledger, "B") == 0
    after = order_body([line(LINE_A, VARIANT_A, "A", 1), line(LINE_B, VARIANT_B, "B", 2)], EDITED)
    deliver(ledger, Topic.ORDERS_UPDATED, after, "updated")
    assert level(ledger, "B") == -2
    # The catch-up reads the same order later: the new line's sale is found applied.
    deliver(ledger, Topic.ORDERS_CREATE, after, "catch-up/order", webhook_id=CATCH_UP_WEBHOOK_ID)
    assert (level(ledger, "A"), level(ledger, "B")) == (-1, -2)
    assert ledger.parked_events(SHOP) == []


def test_a_removal_before_its_order_waits_for_it() -> None:
    ledger = merchant()
    waiting = deliver(ledger, Topic.ORDERS_EDITED, edit_body([], [(LINE_A, 1)]), "edit")
    assert waiting.parked is not None
    assert waiting.parked.waiting_for_order == ORDER
    created = deliver(ledger, Topic.ORDERS_CREATE, order_body([line(LINE_A, VARIANT_A, "A", 3)], CREATED), "create")
    assert [e.entry_id for r in created.released for e in r.applied] == [f"order_edit/{EDIT}/line/{LINE_A}/remove"]
    assert level(ledger, "A") == -2
    assert ledger.parked_events(SHOP) == []


def test_a_malformed_edit_is_parked_whole() -> None:
    ledger = merchant()
    bad = edit_body([(LINE_A, 1)], [])
    bad["order_edit"]["line_items"]["additions"][0]["delta"] = -1
    result = deliver(ledger, Topic.ORDERS_EDITED, bad, "bad")
    assert result.parked is not None
    assert result.parked.problems[0].kind.value == "invalid_payload"


# -- any order, any duplicates -------------------------------------------------------------------


@st.composite
def stories(draw: st.DrawFn) -> dict[str, int | bool]:
    """One order: line A (q units), an edit adding d to A, creating line B (b units), removing r open
    units of A; then s units of A shipped; maybe a cancel (with Shopify's `cancel` refund)."""
    q, d, b = draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.integers(0, 2))
    r = draw(st.integers(0, q + d))
    s = draw(st.integers(0, q + d - r))
    return {"q": q, "d": d, "b": b, "r": r, "s": s, "cancel": draw(st.booleans())}


def events(story: dict[str, Any]) -> list[tuple[Topic, dict[str, Any]]]:
    q, d, b, r, s, cancel = (story[k] for k in ("q", "d", "b", "r", "s", "cancel"))
    now_lines = [line(LINE_A, VARIANT_A, "A", q + d)] + ([line(LINE_B, VARIANT_B, "B", b)] if b else [])
    found: list[tuple[Topic, dict[str, Any]]] = [
        (Topic.ORDERS_CREATE, order_body([line(LINE_A, VARIANT_A, "A", q)], CREATED))
    ]
    additions = [(LINE_A, d)] * bool(d) + [(LINE_B, b)] * bool(b)
    if additions or r:
        found.append((Topic.ORDERS_EDITED, edit_body(additions, [(LINE_A, r)] * bool(r))))
        found.append((Topic.ORDERS_UPDATED, order_body(now_lines, EDITED)))
    if cancel:
        found.append((Topic.ORDERS_CANCELLED, order_body(now_lines, CANCELLED, shipped=s, cancelled=True)))
        open_a, refund_lines = q + d - r - s, []
        if open_a:
            refund_lines.append({"id": BIG + 301, "line_item_id": LINE_A, "quantity": open_a, "restock_type": "cancel",
                                 "location_id": STORE, "line_item": line(LINE_A, VARIANT_A, "A", q + d)})  # fmt: skip
        if b:
            refund_lines.append({"id": BIG + 302, "line_item_id": LINE_B, "quantity": b, "restock_type": "cancel",
                                 "location_id": STORE, "line_item": line(LINE_B, VARIANT_B, "B", b)})  # fmt: skip
        if refund_lines:
            refund = {
                "id": CANCEL_REFUND,
                "order_id": ORDER,
                "created_at": CANCELLED,
                "refund_line_items": refund_lines,
            }
            found.append((Topic.REFUNDS_CREATE, refund))
    return found


@settings(max_examples=400, deadline=None)
@given(story=stories(), data=st.data())
def test_any_interleaving_of_edit_cancel_and_refund_ends_where_shopify_does(story: dict[str, Any], data: Any) -> None:
    ledger = merchant()
    history = events(story)
    order = data.draw(st.permutations(range(len(history))))
    extra = data.draw(st.lists(st.integers(0, len(history) - 1), max_size=4))
    for n, index in enumerate(list(order) + extra):
        topic, body = history[index]
        deliver(ledger, topic, body, f"{topic}-{n}")
        assert all(state.restocked <= state.sold for state in ledger.lines.values())
    # The reconciler's catch-up eventually reads the order as Shopify holds it now.
    q, d, b, r, s = (story[k] for k in ("q", "d", "b", "r", "s"))
    now_lines = [line(LINE_A, VARIANT_A, "A", q + d)] + ([line(LINE_B, VARIANT_B, "B", b)] if b else [])
    current = order_body(now_lines, CANCELLED, shipped=s, cancelled=story["cancel"])
    deliver(ledger, Topic.ORDERS_CREATE, current, "catch-up/order", webhook_id=CATCH_UP_WEBHOOK_ID)

    expected_a = -(q + d) + r + ((q + d - r - s) if story["cancel"] else 0)
    expected_b = 0 if story["cancel"] else -b
    assert (level(ledger, "A"), level(ledger, "B")) == (expected_a, expected_b)
    assert all(state.restocked <= state.sold for state in ledger.lines.values())
    assert ledger.parked_events(SHOP) == []
