"""A Shopify simulator for tests: GraphQL Admin (real schema, cost, throttling), a control API that
plays Shopify's side (orders, cancels, refunds, admin edits) and signed webhook delivery."""

from .clock import ManualClock, SystemClock
from .server import SimulatorServer
from .simulator import Simulator

__all__ = ["ManualClock", "Simulator", "SimulatorServer", "SystemClock"]
