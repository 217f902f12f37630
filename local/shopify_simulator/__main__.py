"""`python -m shopify_simulator --port 0 --seed seed.json --plan standard`: prints the base URL."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import SimulatorServer
from .throttle import PLANS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shopify-simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (127.0.0.1 only by design)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", help="seed JSON file (see docs/shopify-simulator.md)")
    parser.add_argument("--plan", default="standard", choices=sorted(PLANS), help="default plan of new shops")
    parser.add_argument("--preload", action="append", default=[], help="build this API version's schema now")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost"):
        parser.error("the simulator only binds 127.0.0.1")
    server = SimulatorServer(
        seed=args.seed, host="127.0.0.1", port=args.port, plan=args.plan, preload_versions=tuple(args.preload)
    )
    server.start()
    print(server.base_url, flush=True)
    print(f"graphql: {server.graphql_url_template}", file=sys.stderr, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
