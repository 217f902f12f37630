"""Fixtures of the Shopify client tests; the fakes themselves live in tests/support/shopify_fakes.py."""

import pytest

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from tests.support.shopify_fakes import FakeClock, FakeShopify, make_client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def shopify(clock: FakeClock) -> FakeShopify:
    return FakeShopify(clock=clock)


@pytest.fixture
def client(shopify: FakeShopify, clock: FakeClock) -> ShopifyAdminClient:
    return make_client(shopify, clock)


@pytest.fixture
def gateway(client: ShopifyAdminClient) -> ShopifyAdminOperations:
    return ShopifyAdminOperations(client)
