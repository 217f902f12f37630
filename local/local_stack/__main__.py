"""``local-stack up`` (``python -m local_stack up``, ``make up``): the whole stack in the foreground.

Prints every URL, then serves until Ctrl-C or SIGTERM, and stops every part cleanly.
"""

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from local_stack.stack import BACKENDS, LocalStack, backend_from_env


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="local-stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start moto, DynamoDB (moto or DynamoDB Local), the simulator and the driver")
    up.add_argument("--dynamodb", choices=BACKENDS, help="overrides LEDGER_DYNAMODB (default moto)")
    up.add_argument("--no-simulator", action="store_true", help="run without the Shopify simulator")
    up.add_argument("--log-level", default="INFO")
    return parser


def up(dynamodb: str | None, *, simulator: bool) -> int:
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with LocalStack(dynamodb=dynamodb or backend_from_env(), simulator=simulator) as stack:
        print(f"local stack up (DynamoDB: {stack.backend})")
        for name, url in stack.urls().items():
            print(f"  {name:<46} {url}")
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
