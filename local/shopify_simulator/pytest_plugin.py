"""pytest plugin: `pytest_plugins = ["shopify_simulator.pytest_plugin"]`.

Fixtures:
- `shopify_simulator_server`: one SimulatorServer per session, on a ManualClock, empty.
- `shopify_simulator`: the same server, reset before each test (state, subscriptions, faults).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .clock import ManualClock
from .server import SimulatorServer


@pytest.fixture(scope="session")
def shopify_simulator_server() -> Iterator[SimulatorServer]:
    server = SimulatorServer(clock=ManualClock())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shopify_simulator(shopify_simulator_server: SimulatorServer) -> Iterator[SimulatorServer]:
    shopify_simulator_server.reset()
    yield shopify_simulator_server
    shopify_simulator_server.reset()
