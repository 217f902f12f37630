"""Fixtures shared by every test folder: local AWS on moto server (one per session, reset per test)."""

import os
from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities import parameters

from inventory_ledger import bootstrap, config
from local_stack.aws import FAKE_CREDENTIALS, REGION, LocalResources, MotoServer, provision

# Before anything builds a boto3 client: never real credentials, never a real region's endpoint.
os.environ.update({**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "POWERTOOLS_TRACE_DISABLED": "true"})
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "InventoryLedger")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "inventory-ledger")


def forget_cached_clients() -> None:
    config.clear_cached_settings()
    bootstrap.reset()
    parameters.clear_caches()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def local_aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalResources]:
    """A fresh copy of the template's resources on moto server, with the handlers' environment set."""
    moto_server.reset()
    resources = provision(moto_server.endpoint_url)
    for name, value in resources.environment().items():
        monkeypatch.setenv(name, value)
    forget_cached_clients()
    yield resources
    forget_cached_clients()
