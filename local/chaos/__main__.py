"""`make soak`: one seeded chaos scenario through the whole local stack; prints the seed first and the
figures last; exits 1 if anything disagrees.

python -m chaos --webhooks 10000 --skus 200 --locations 5 --dynamodb dynamodb-local [--seed N]
"""

import argparse
import logging
import os
import secrets
import sys
import warnings
from typing import TextIO

CONSOLE: TextIO = sys.stdout
# Before powertools is imported (its Logger binds to the stdout it finds): the handlers' JSON logs and
# EMF metrics of ten thousand invocations are not for the console.
sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (open for the life of the process)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "inventory-ledger")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "InventoryLedger")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
# Said by powertools on stderr whenever an invocation emitted no metric (most pusher batches push nothing).
warnings.filterwarnings("ignore", message="No application metrics to publish")

from chaos.checks import Outcome, replay_command  # noqa: E402
from chaos.plan import generate  # noqa: E402
from chaos.scenario import run_scenario  # noqa: E402
from local_stack.stack import BACKENDS  # noqa: E402

SHOWN_PER_CHECK = 10


def say(text: str = "") -> None:
    print(text, file=CONSOLE, flush=True)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="the plan's seed (default: a new one, printed)")
    parser.add_argument("--webhooks", type=int, default=10_000, help="deliveries of Shopify's own events, at least")
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--locations", type=int, default=5)
    parser.add_argument("--dynamodb", choices=BACKENDS, default="dynamodb-local")
    parser.add_argument("--batching-window", type=float, default=0.2, help="both triggers' window, seconds")
    return parser.parse_args(argv)


def show(outcome: Outcome) -> None:
    say("\nFigures:")
    for name, value in outcome.figures.items():
        say(f"  {name:<52} {value:,}" if isinstance(value, int) else f"  {name:<52} {value}")
    say("\nFaults injected, by kind (Shopify's: answers actually spoiled; kills: invocations discarded):")
    for kind, count in sorted(outcome.faults.items()):
        say(f"  {kind:<52} {count:,}")
    say("\nChecks:")
    for name, problems in outcome.problems.items():
        say(f"  {name:<52} {'ok' if not problems else f'{len(problems)} DISAGREE'}")
        for problem in problems[:SHOWN_PER_CHECK]:
            say(f"      {problem}")
        if len(problems) > SHOWN_PER_CHECK:
            say(f"      ... and {len(problems) - SHOWN_PER_CHECK} more")


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    seed = options.seed if options.seed is not None else secrets.randbelow(2**31)
    say(f"seed {seed}")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per simulator request otherwise
    plan = generate(seed, webhooks=options.webhooks, skus=options.skus, locations=options.locations)
    say(f"replay: {replay_command(plan, options.dynamodb)}")
    say(f"plan: {len(plan.phases)} phases, {plan.estimated_deliveries:,} deliveries of Shopify's events expected")
    outcome = run_scenario(
        plan, options.dynamodb, batching_window=options.batching_window, progress=lambda text: say(f"  {text}")
    )
    show(outcome)
    say(f"\nseed {seed}: {'every check agrees' if outcome.agrees else 'DISAGREEMENTS (replay with the command above)'}")
    return 0 if outcome.agrees else 1


if __name__ == "__main__":
    sys.exit(main())
