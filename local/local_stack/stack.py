"""The whole local stack in one object: moto server, optionally DynamoDB Local, the template's resources,
the Shopify simulator (when its package is there) and the driver that plays Lambda.

    with LocalStack() as stack:
        stack.webhook_url, stack.resources, stack.driver.drain(), stack.simulator

Settings (environment): LEDGER_DYNAMODB=moto|dynamodb-local, LOCAL_MOTO_PORT, LOCAL_WEBHOOK_PORT,
LOCAL_SIMULATOR_PORT (0 or unset: a free port), LOCAL_BATCHING_WINDOW_SECONDS,
LOCAL_RECONCILE_EVERY_SECONDS.
"""

import logging
import os
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self

from local_stack.aws import LocalResources, MotoServer, provision
from local_stack.driver import LambdaDriver
from local_stack.dynamodb_local import DynamoDBLocal
from local_stack.functions import Handler
from local_stack.moto_process import MotoProcess

log = logging.getLogger(__name__)

ENV_BACKEND = "LEDGER_DYNAMODB"
ENV_MOTO_PORT = "LOCAL_MOTO_PORT"
ENV_SIMULATOR_PORT = "LOCAL_SIMULATOR_PORT"
BACKENDS = ("moto", "dynamodb-local")

# A seed for the simulator, or a function of the driver's webhook URL that returns one (so the seed can
# subscribe the stack's own webhook URL).
Seed = Any | Callable[[str], Any]


def backend_from_env() -> str:
    backend = os.environ.get(ENV_BACKEND, "moto").strip() or "moto"
    if backend not in BACKENDS:
        raise ValueError(f"{ENV_BACKEND}={backend!r}: expected one of {', '.join(BACKENDS)}")
    return backend


def _port(value: int | None, env: str) -> int:
    return value if value is not None else int(os.environ.get(env) or 0)


def _forget_cached_clients() -> None:
    """Handlers cache settings and clients per process: drop them when the environment changes."""
    from aws_lambda_powertools.utilities import parameters

    from inventory_ledger import bootstrap, config

    config.clear_cached_settings()
    bootstrap.reset()
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def _simulator_class() -> type | None:
    try:
        from shopify_simulator import SimulatorServer
    except ImportError as error:
        log.warning("Shopify simulator not available (%s): the stack runs without it", error)
        return None
    server_class: type = SimulatorServer
    return server_class


class LocalStack:
    def __init__(
        self,
        *,
        dynamodb: str | None = None,
        moto_port: int | None = None,
        webhook_port: int | None = None,
        simulator_port: int | None = None,
        simulator: bool = True,
        simulator_seed: Seed = None,
        handlers: Mapping[str, Handler | None] | None = None,
        batching_window: float | None = None,
        reconcile_every: float | None = None,
        moto_in_process: bool = False,
    ) -> None:
        self.backend = dynamodb or backend_from_env()
        if self.backend not in BACKENDS:
            raise ValueError(f"dynamodb={self.backend!r}: expected one of {', '.join(BACKENDS)}")
        self._moto_port = _port(moto_port, ENV_MOTO_PORT)
        self._webhook_port = webhook_port
        self._simulator_port = _port(simulator_port, ENV_SIMULATOR_PORT)
        self._want_simulator = simulator
        self._simulator_seed = simulator_seed
        self._handlers = handlers
        self._batching_window = batching_window
        self._reconcile_every = reconcile_every
        self._moto_in_process = moto_in_process
        self.moto: MotoProcess | MotoServer | None = None
        self.dynamodb_local: DynamoDBLocal | None = None
        self.simulator: Any = None
        self.driver: LambdaDriver | None = None
        self._resources: LocalResources | None = None
        self.environment: dict[str, str] = {}
        # This process's environment before the stack first pointed it at itself; stop() puts it back.
        self._environment_before: dict[str, str] | None = None

    @property
    def resources(self) -> LocalResources:
        if self._resources is None:
            raise RuntimeError("the stack is not started")
        return self._resources

    @property
    def webhook_url(self) -> str:
        assert self.driver is not None
        return str(self.driver.webhook_url)

    def start(self) -> Self:
        if self.moto is not None:
            # A second start would orphan the first servers' threads (`with stack.start()` starts twice).
            raise RuntimeError("this local stack is already started")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if self._moto_in_process:
            self.moto = MotoServer(self._moto_port).start()
        else:
            self.moto = MotoProcess(self._moto_port).start()
        dynamodb_endpoint = None
        if self.backend == "dynamodb-local":
            self.dynamodb_local = DynamoDBLocal().start()
            dynamodb_endpoint = self.dynamodb_local.endpoint_url
        self._resources = provision(self.moto.endpoint_url, dynamodb_endpoint)
        # The driver binds its port now, so a simulator seed can subscribe the webhook URL before deliveries start.
        self.driver = LambdaDriver(
            self._resources,
            handlers=self._handlers,
            webhook_port=self._webhook_port,
            batching_window=self._batching_window,
            reconcile_every=self._reconcile_every,
        )
        environment = self._resources.environment()
        simulator_class = _simulator_class() if self._want_simulator else None
        if simulator_class is not None:
            seed = self._simulator_seed
            if callable(seed):
                seed = seed(self.driver.webhook_url)
            self.simulator = simulator_class(seed=seed, host="127.0.0.1", port=self._simulator_port)
            self.simulator.start()
            environment["SHOPIFY_ADMIN_URL_TEMPLATE"] = self.simulator.graphql_url_template
        self.environment = environment
        self.activate()
        self.driver.start()

    def activate(self) -> None:
        """Point this process's handlers at this stack (environment and cached clients)."""
        if self._environment_before is None:
            self._environment_before = dict(os.environ)
        os.environ.update(self.environment)
        _forget_cached_clients()

    def urls(self) -> dict[str, str]:
        urls = {
            "webhook": self.webhook_url,
            "driver status": self.driver.status_url if self.driver else "",
            "driver reconcile (POST)": self.driver.reconcile_url if self.driver else "",
            "moto server (AWS_ENDPOINT_URL)": self.resources.endpoint_url,
            "DynamoDB": self.resources.dynamodb_endpoint_url,
        }
        if self.simulator is not None:
            urls["Shopify simulator"] = self.simulator.base_url
            urls["Shopify GraphQL (SHOPIFY_ADMIN_URL_TEMPLATE)"] = self.simulator.graphql_url_template
        return urls

    def stop(self) -> None:
        for part in (self.driver, self.simulator, self.dynamodb_local, self.moto):
            if part is None:
                continue
            try:
                part.stop()
            except Exception:
                log.warning("stopping %s failed", type(part).__name__, exc_info=True)
        self.driver = self.simulator = self.dynamodb_local = self.moto = None
        if self._environment_before is not None:
            # Later code in this process must never reach the stopped servers.
            os.environ.clear()
            os.environ.update(self._environment_before)
            self._environment_before = None
            _forget_cached_clients()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
