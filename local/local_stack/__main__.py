"""``local-stack up`` (``python -m local_stack up``, ``make up``): the whole stack in the foreground.

Starts the stack with an example shop (local_stack/example_shop.py) in the simulator and onboarded in
the ledger, prints every URL and an ``export`` block with every variable ledgerctl and the functions
read, then serves until Ctrl-C or SIGTERM, and stops every part cleanly.
"""

import argparse
import logging
import shlex
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING

from local_stack import example_shop
from local_stack.stack import BACKENDS, LocalStack, backend_from_env

if TYPE_CHECKING:
    from inventory_ledger.service.onboarding import OnboardingResult


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="local-stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start moto, DynamoDB (moto or DynamoDB Local), the simulator and the driver")
    up.add_argument("--dynamodb", choices=BACKENDS, help="overrides LEDGER_DYNAMODB (default moto)")
    up.add_argument("--no-simulator", action="store_true", help="run without the Shopify simulator")
    up.add_argument("--log-level", default="INFO")
    return parser


def up_stack(
    dynamodb: str | None = None, *, simulator: bool = True, batching_window: float | None = None
) -> LocalStack:
    """The stack `make up` runs (not started): the example shop seeded in the simulator."""
    return LocalStack(
        dynamodb=dynamodb or backend_from_env(),
        simulator=simulator,
        simulator_seed=example_shop.simulator_seed if simulator else None,
        batching_window=batching_window,
    )


def onboard_example(stack: LocalStack) -> "OnboardingResult | None":
    """The example shop in the ledger too (only with the simulator, which is its Shopify)."""
    if stack.simulator is None:
        return None
    return example_shop.onboard(stack.resources)


def export_block(stack: LocalStack) -> str:
    """Shell lines that point ledgerctl, the aws CLI and a handler run by hand at this stack."""
    assert stack.driver is not None
    variables = dict(stack.environment)
    variables["LOCAL_WEBHOOK_URL"] = stack.webhook_url
    variables["LOCAL_DRIVER_URL"] = stack.driver.base_url
    if stack.simulator is not None:
        variables["LOCAL_SIMULATOR_URL"] = stack.simulator.base_url
    return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in sorted(variables.items()))


def up(dynamodb: str | None, *, simulator: bool) -> int:
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with up_stack(dynamodb, simulator=simulator) as stack:
        onboarded = onboard_example(stack)
        print(f"local stack up (DynamoDB: {stack.backend})")
        for name, url in stack.urls().items():
            print(f"  {name:<46} {url}")
        if onboarded is not None:
            print(
                f"example shop {example_shop.SHOP}: locations {', '.join(onboarded.locations)};"
                f" SKUs {', '.join(example_shop.SKUS)}; {example_shop.OPENING} of each everywhere"
            )
        print("# paste into another shell (ledgerctl, aws --endpoint-url, a handler by hand):")
        print(export_block(stack))
        print("Ctrl-C stops it.", flush=True)
        stopping.wait()
        print("stopping...", flush=True)
    print("stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    logging.basicConfig(level=arguments.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    return up(arguments.dynamodb, simulator=not arguments.no_simulator)


if __name__ == "__main__":
    sys.exit(main())
