"""One merchant's Shopify refusing every push, through the ledger's real stream and the real
level_pusher, on moto server and on DynamoDB Local: the other merchant's pushes land, no batch fails
(nothing reaches PushFailureQueue), the refused levels are marked for re-push, and the pusher's
schedule pushes them once the shop's Shopify answers again."""

from collections.abc import Iterator

import pytest

from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.service.operations import record_operation
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.conftest import forget_cached_clients
from tests.local_stack.conftest import DriverFactory
from tests.support.merchant import OPENING, SHOP, DemoMerchant, create_demo_merchant, now

pytestmark = pytest.mark.integration
OTHER_SHOP = "other-shop.myshopify.com"


@pytest.fixture
def merchants(
    backend_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[DemoMerchant, DemoMerchant]]:
    monkeypatch.setenv("SHOPIFY_ADMIN_URL_TEMPLATE", shopify_simulator.graphql_url_template)
    forget_cached_clients()
    yield (
        create_demo_merchant(shopify_simulator.base_url, backend_aws),
        create_demo_merchant(shopify_simulator.base_url, backend_aws, shop_domain=OTHER_SHOP),
    )
    forget_cached_clients()


def test_a_merchant_whose_shopify_refuses_never_fails_the_batch_of_another(
    merchants: tuple[DemoMerchant, DemoMerchant], backend_aws: LocalResources, start_driver: DriverFactory
) -> None:
    down, up = merchants
    # Credentials lost: Shopify answers 401 to every call of the first shop.
    down.control("POST", "/faults", {"kind": "status", "status": 401, "count": 1000})
    driver = start_driver(backend_aws, handlers={"ledger_consumer": None})
    for n in range(3):
        for merchant in (down, up):
            record_operation(operations.receive(merchant.shop, "store-a", "C", 2, f"po-{n}"), merchant.ledger, now)
    driver.drain(timeout=60)

    assert up.shopify_available("store-a", "C") == OPENING + 6 == up.balance("store-a", "C").quantity
    assert down.shopify_available("store-a", "C") == OPENING
    assert down.ledger.repush_marks(SHOP) == [LevelKey(SHOP, "store-a", "C")]
    assert down.balance("store-a", "C").push_status == "failed"
    sqs = backend_aws.client("sqs")
    failed_batches = sqs.get_queue_attributes(
        QueueUrl=backend_aws.push_failure_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert failed_batches == "0"
    assert driver.status()["functions"]["level_pusher"]["errors"] == 0

    down.control("DELETE", "/faults")
    sweep = driver.invoke("level_pusher", {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}})
    assert sweep.error is None
    assert sweep.response["pushed"] == 1
    assert down.shopify_available("store-a", "C") == OPENING + 6 == down.balance("store-a", "C").quantity
    assert down.ledger.repush_marks(SHOP) == []
