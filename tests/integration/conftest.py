"""The demo merchant in the Shopify simulator and in the ledger on moto server (modules that seed
another merchant define their own `merchant` fixture, which overrides this one)."""

from collections.abc import Iterator

import pytest

from inventory_ledger import bootstrap
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.merchant import DemoMerchant, create_demo_merchant


@pytest.fixture
def merchant(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DemoMerchant]:
    monkeypatch.setenv("SHOPIFY_ADMIN_URL_TEMPLATE", shopify_simulator.graphql_url_template)
    bootstrap.reset()
    yield create_demo_merchant(shopify_simulator.base_url, local_aws)
    bootstrap.reset()
