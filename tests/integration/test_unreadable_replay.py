"""A routing parked because Shopify refused the shop's credentials is replayed by the pusher's schedule
once they work again (service/replay_unreadable.py), through moto server or DynamoDB Local and the
simulator (docs/runbook.md "Parked events").

Shopify answers a token it no longer takes with 401 (simulator: server.py). Here the shop's token is
replaced in Shopify, as when the merchant reinstalled the app, while the ledger still holds the old
one: the consumer's read of the routed fulfilment order is refused and the routing parks
`shopify_unreadable`. The operator's repair is to store the working token in the shop's Admin secret;
the next run of the pusher's schedule (its Lambda handler, as EventBridge invokes it) replays it.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.cli import main
from inventory_ledger.config import shopify_settings
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.service.apply_webhook import ApplyResult
from inventory_ledger.service.consume import consume_message
from inventory_ledger.service.reconcile import reconcile_shop
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.integration.test_order_routing import ROUTING, SHOP, drifted, envelope_of, levels, place_routed
from tests.integration.test_order_routing import merchant as merchant  # the fixture, on this module's local_aws
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.simulated_merchant import SimulatedMerchant

pytestmark = pytest.mark.integration

REISSUED = "shpat_reissued_after_reinstall"
SCHEDULED = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


@pytest.fixture
def local_aws(backend_aws: LocalResources) -> LocalResources:
    """Both DynamoDB backends: the sweep reads the parked routings by their own key prefix."""
    return backend_aws


@pytest.fixture(autouse=True)
def restore_logger(restored_logger: None) -> None:
    """ledgerctl's main() sends the shared logger to stderr at WARNING; later tests expect it as it was."""


def deliver_once(merchant: SimulatedMerchant, topic: str) -> list[ApplyResult]:
    """The shop's events of one topic, each delivered once through the consumer."""
    return [
        consume_message(envelope_of(event).model_dump_json(), str(event["event_id"]), bootstrap.ledger(),
                        lambda: datetime.now(UTC), fulfillment_orders=bootstrap.shopify_fulfillment_orders_for)
        for event in merchant.control("GET", "/events")["events"]
        if event["topic"] == topic
    ]  # fmt: skip


def sweep() -> dict[str, Any]:
    """The pusher's schedule fires (EventBridge's Scheduled Event to its handler); its replays' summary."""
    summary: dict[str, Any] = load_handler("level_pusher").lambda_handler(SCHEDULED, FakeLambdaContext())
    replays: dict[str, Any] = summary["replays"]
    return replays


def parked_listing(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """What `ledgerctl parked list SHOP --json` shows the operator."""
    capsys.readouterr()
    main(["--json", "parked", "list", SHOP])
    listed: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["parked"]
    return listed


def park_a_refused_routing(shopify_simulator: SimulatorServer, merchant: SimulatedMerchant) -> None:
    """An order routed to Store 2 and its sale applied; then Shopify takes only a token the ledger does
    not hold, and the routing arrives."""
    place_routed(merchant)
    deliver_once(merchant, "orders/create")
    shop = shopify_simulator.state.shop(SHOP)
    assert shop is not None
    shop.access_token = REISSUED
    [routing] = deliver_once(merchant, ROUTING)
    assert routing.parked is not None
    assert [p.kind for p in routing.parked.problems] == [ProblemKind.SHOPIFY_UNREADABLE]
    assert "401" in routing.parked.reason
    assert levels(merchant) == ((8, 10), (10, 8))  # the ledger holds the sale at the primary: wrong


def store_admin_token(resources: LocalResources, token: str) -> None:
    """The operator's repair: the shop's working token in its Admin secret (docs/runbook.md)."""
    client = resources.client("secretsmanager")
    name, value = shopify_settings().admin_secret_name(SHOP), json.dumps({"kind": "static", "access_token": token})
    try:
        client.create_secret(Name=name, SecretString=value)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=value)


def test_a_routing_parked_while_shopify_refused_the_credentials_is_replayed_once_they_are_fixed(
    merchant: SimulatedMerchant,
    shopify_simulator: SimulatorServer,
    local_aws: LocalResources,
    capsys: pytest.CaptureFixture[str],
) -> None:
    park_a_refused_routing(shopify_simulator, merchant)
    [listed] = parked_listing(capsys)
    assert (listed["topic"], listed["replayed_automatically"], listed["replays"]) == (ROUTING, True, 0)
    assert listed["reason"].startswith("shopify_unreadable: the fulfilment order was not read")

    # Still refused: the sweep tries it, it stays parked once, the try counted.
    still = sweep()
    assert (still["replayed"], still["still_unreadable"]) == (0, 1)
    assert "401" in still["shops_unreadable"][SHOP]
    assert [(p["event_id"], p["replays"]) for p in parked_listing(capsys)] == [(listed["event_id"], 1)]
    assert levels(merchant) == ((8, 10), (10, 8))

    store_admin_token(local_aws, REISSUED)
    fixed = sweep()
    assert (fixed["replayed"], fixed["still_unreadable"], fixed["shops_unreadable"]) == (1, 0, {})
    assert parked_listing(capsys) == []
    assert levels(merchant) == ((10, 8), (10, 8))  # the ledger ends at Shopify's: the units at the store
    assert sweep()["replayed"] == 0  # nothing left to replay

    # A duplicate delivery of the routing after the replay changes nothing.
    [duplicate] = deliver_once(merchant, ROUTING)
    assert (duplicate.applied, duplicate.parked) == ([], None)
    assert levels(merchant) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert drifted() == 0


def test_an_uninstalled_shops_parked_routing_is_left_alone(
    merchant: SimulatedMerchant, shopify_simulator: SimulatorServer, local_aws: LocalResources
) -> None:
    """An uninstalled shop's credentials will not work again: the sweep does not try its events."""
    park_a_refused_routing(shopify_simulator, merchant)
    store_admin_token(local_aws, REISSUED)
    bootstrap.merchant_directory().mark_uninstalled(SHOP, datetime.now(UTC))
    assert sweep() == {"replayed": 0, "parked_otherwise": 0, "still_unreadable": 0, "shops_unreadable": {}}
    [parked] = bootstrap.ledger().parked_events(SHOP)
    assert (parked.shopify_unreadable, parked.replays) == (True, 0)


def test_a_duplicate_delivery_while_still_refused_keeps_one_parked_routing(
    merchant: SimulatedMerchant, shopify_simulator: SimulatorServer, local_aws: LocalResources
) -> None:
    """Shopify delivers the routing again while the credentials are still refused: one parked event,
    one replay a sweep, and the fix applies it once."""
    park_a_refused_routing(shopify_simulator, merchant)
    [again] = deliver_once(merchant, ROUTING)
    assert again.parked is not None
    assert len(bootstrap.ledger().parked_events(SHOP)) == 1
    assert sweep()["still_unreadable"] == 1
    assert len(bootstrap.ledger().parked_unreadable(SHOP, 10)) == 1
    store_admin_token(local_aws, REISSUED)
    assert sweep()["replayed"] == 1
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert levels(merchant) == ((10, 8), (10, 8))


def test_a_routing_refused_before_its_order_waits_for_it_once_read_and_the_order_releases_it(
    merchant: SimulatedMerchant, shopify_simulator: SimulatorServer, local_aws: LocalResources
) -> None:
    """The replay reads Shopify and finds the order not in the ledger yet: parked waiting for it, no
    longer the sweep's to replay; the order, when it comes, releases it to the store."""
    place_routed(merchant)
    shop = shopify_simulator.state.shop(SHOP)
    assert shop is not None
    shop.access_token = REISSUED
    [refused] = deliver_once(merchant, ROUTING)
    assert refused.parked is not None
    assert refused.parked.shopify_unreadable
    store_admin_token(local_aws, REISSUED)
    assert sweep() == {"replayed": 0, "parked_otherwise": 1, "still_unreadable": 0, "shops_unreadable": {}}
    [waiting] = bootstrap.ledger().parked_events(SHOP)
    assert waiting.is_waiting
    assert bootstrap.ledger().parked_unreadable(SHOP, 10) == []
    assert sweep()["parked_otherwise"] == 0  # not tried again
    [created] = deliver_once(merchant, "orders/create")
    assert [len(released.applied) for released in created.released] == [2]
    assert levels(merchant) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []


@pytest.fixture
def refused_routing(merchant: SimulatedMerchant, shopify_simulator: SimulatorServer) -> str:
    """park_a_refused_routing's routing: its event id."""
    park_a_refused_routing(shopify_simulator, merchant)
    [parked] = bootstrap.ledger().parked_events(SHOP)
    return parked.event_id


def test_ledgerctl_parked_replay_applies_it_at_once_once_the_credentials_are_fixed(
    refused_routing: str, merchant: SimulatedMerchant, local_aws: LocalResources, capsys: pytest.CaptureFixture[str]
) -> None:
    """The runbook's other way: the operator replays it by hand instead of waiting for the sweep."""
    assert main(["--json", "parked", "replay", SHOP, refused_routing]) == 5  # still refused: nothing to do
    assert json.loads(capsys.readouterr().out)["still_parked"].startswith("shopify_unreadable:")
    assert [p["replays"] for p in parked_listing(capsys)] == [1]
    store_admin_token(local_aws, REISSUED)
    assert main(["--json", "parked", "replay", SHOP, refused_routing]) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == 2
    assert levels(merchant) == ((10, 8), (10, 8))
    assert sweep()["replayed"] == 0  # nothing left for the sweep


def test_the_reconciler_replays_a_refused_routing_before_it_judges_the_levels(
    merchant: SimulatedMerchant, shopify_simulator: SimulatorServer, local_aws: LocalResources
) -> None:
    """Credentials fixed, and the nightly run comes before the pusher's sweep: judged without the routing,
    the units it moves would be drift at both locations, adopted, then counted again by the replay.
    The reconciler replays it first, so nothing drifts and nothing is adopted."""
    park_a_refused_routing(shopify_simulator, merchant)
    store_admin_token(local_aws, REISSUED)
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert (run.total("drifted"), run.total("adopted")) == (0, 0)
    assert run.summary()["replays"] == {"replayed": 1, "parked_otherwise": 0, "still_unreadable": 0,
                                        "shops_unreadable": {}}  # fmt: skip
    assert levels(merchant) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert sweep()["replayed"] == 0  # the sweep finds nothing left: the units are not moved twice
    assert levels(merchant) == ((10, 8), (10, 8))
