"""Fixtures for the local stack's own tests: a driver over fresh resources, on either DynamoDB backend."""

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from local_stack.aws import LocalResources
from local_stack.driver import LambdaDriver
from local_stack.pytest_plugin import active_local_stack, local_stack  # noqa: F401 - the plugin's fixtures
from tests.conftest import forget_cached_clients

if TYPE_CHECKING:
    from shopify_simulator import SimulatorServer
    from tests.support.simulated_merchant import SimulatedMerchant


@pytest.fixture
def shopify_on_backend(
    backend_aws: LocalResources, shopify_simulator: "SimulatorServer", monkeypatch: pytest.MonkeyPatch
) -> Iterator["SimulatorServer"]:
    """The simulator as the handlers' Shopify, over backend_aws (cached clients forgotten either side)."""
    monkeypatch.setenv("SHOPIFY_ADMIN_URL_TEMPLATE", shopify_simulator.graphql_url_template)
    forget_cached_clients()
    yield shopify_simulator
    forget_cached_clients()


DriverFactory = Callable[..., LambdaDriver]


@pytest.fixture
def start_driver() -> Iterator[DriverFactory]:
    """Starts LambdaDriver(resources, **options) and stops every driver it started after the test."""
    started: list[LambdaDriver] = []

    def start(resources: LocalResources, **options: object) -> LambdaDriver:
        options.setdefault("batching_window", 0.1)
        driver = LambdaDriver(resources, **options).start()  # type: ignore[arg-type]
        started.append(driver)
        return driver

    yield start
    for driver in started:
        driver.stop()


@pytest.fixture
def seed_shop(
    backend_aws: LocalResources, shopify_simulator: "SimulatorServer", monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], "SimulatedMerchant"]:
    """seed_shop(domain): tests/support/simulated_merchant's merchant, on this test's DynamoDB backend."""
    from tests.support.simulated_merchant import seed_merchant

    return lambda shop: seed_merchant(shopify_simulator, backend_aws, monkeypatch, shop=shop)
