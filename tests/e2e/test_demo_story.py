"""The demo's story end to end, on moto server and on DynamoDB Local: exact levels on both sides,
one activity entry per business movement, and nothing lost."""

import io
from collections import Counter
from collections.abc import Iterator

import pytest

from demo.seed import LOCATIONS, SHOP, opening, simulator_seed, skus
from demo.story import Story
from inventory_ledger import bootstrap
from inventory_ledger.domain.ledger import MovementKind
from local_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

# What the story must leave, worked out from the rules (not read off a run): (Shopify location, SKU).
EXPECTED = {
    ("Store North", "TEE-BLACK-M"): 5 - 2,  # POS sale of 2
    ("Warehouse", "TEE-WHITE-S"): 20 - 1,  # online sale
    ("Warehouse", "MUG"): 20 - 1,  # online sale
    ("Warehouse", "LAST-ONE"): 1 - 1 - 1,  # sold twice at once: an oversell, never refused
    ("Warehouse", "HOODIE-GREY-L"): 20 - 2 + 2,  # cancelled before its order arrived
    ("Store South", "CAP"): 5 - 1 + 1,  # refunded with restock
    ("Store South", "SOCKS"): 5 - 2,  # refunded without restock
    ("Warehouse", "TEE-BLACK-M"): 20 - 5,  # transferred out
    ("Store South", "TEE-BLACK-M"): 5 + 5,  # transferred in
    ("Store North", "TEE-WHITE-S"): 3,  # cycle count
    ("Store South", "MUG"): 5,  # an admin edit to 42, reported, then healed back to the ledger
}


@pytest.fixture(scope="module", params=["moto", "dynamodb-local"])
def story(request: pytest.FixtureRequest) -> Iterator[Story]:
    # The stack restores this process's environment and cached clients when it stops.
    with LocalStack(dynamodb=request.param, simulator_seed=simulator_seed) as stack:
        played = Story(stack, say=io.StringIO().write)
        played.play()
        yield played


def test_every_level_ends_exactly_where_the_rules_say_in_the_ledger_and_in_shopify(story: Story) -> None:
    for location, sku, ledger, shopify in story.levels():
        expected = EXPECTED.get((location, sku), opening(sku, location))
        assert (ledger, shopify) == (expected, expected), (location, sku)
    assert len(story.levels()) == len(LOCATIONS) * len(skus())


def test_each_business_movement_has_exactly_one_entry(story: Story) -> None:
    warehouse = story.location("Warehouse")
    kinds = Counter(entry.kind for entry in story.entries(warehouse, "LAST-ONE"))
    assert kinds == {MovementKind.OPENING: 1, MovementKind.SALE: 2}
    hoodie = story.entries(warehouse, "HOODIE-GREY-L")
    # The sale (applied from the cancel, which came first), its restock, and Shopify's own `cancel`
    # refund of the same units, recorded with nothing left to restock.
    assert Counter(entry.kind for entry in hoodie) == {
        MovementKind.OPENING: 1,
        MovementKind.SALE: 1,
        MovementKind.CANCEL_RESTOCK: 1,
        MovementKind.REFUND_RESTOCK: 1,
    }
    [refund] = [entry for entry in hoodie if entry.kind is MovementKind.REFUND_RESTOCK]
    assert (refund.quantity, refund.requested_quantity) == (0, 2)
    [sale] = [entry for entry in hoodie if entry.kind is MovementKind.SALE]
    assert sale.source.topic == "orders/cancelled"
    for location in LOCATIONS:
        for sku in skus():
            ids = [entry.entry_id for entry in story.entries(story.location(location), sku)]
            assert len(ids) == len(set(ids))


def test_the_oversell_is_flagged(story: Story) -> None:
    entries = story.entries(story.location("Warehouse"), "LAST-ONE")
    assert [entry.oversell for entry in entries] == [False, False, True]


def test_nothing_was_lost(story: Story) -> None:
    resources = story.stack.resources
    sqs = resources.client("sqs")
    for queue in (resources.ingest_queue_url, resources.ingest_dead_letter_queue_url, resources.push_failure_queue_url):
        attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
        assert attributes["ApproximateNumberOfMessages"] == "0", queue
        assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0", queue
    assert bootstrap.ledger().parked_events(SHOP) == []
    attempts = story.control("GET", "/deliveries")["attempts"]
    assert attempts
    assert {attempt["status_code"] for attempt in attempts} == {200}


def test_the_reconciliation_reported_the_admin_edit_then_healed_it(story: Story) -> None:
    before, healed, after = story.reconciliations
    rows = story.drift_rows(before)
    assert [(row["location"], row["sku"], row["ledger_level"], row["shopify_level"], row["cause"]) for row in rows] == [
        (story.location("Store South"), "MUG", 5, 42, "admin_edit_seen")
    ]
    assert (healed["healed"], after["drifted"]) == (1, 0)
