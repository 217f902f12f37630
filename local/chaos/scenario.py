"""One chaos scenario end to end: a fresh LocalStack, the plan played, the checks, the figures."""

import time
from collections.abc import Callable

from chaos.checks import Outcome, check
from chaos.plan import Plan
from chaos.runner import Runner
from local_stack.stack import LocalStack


def run_scenario(
    plan: Plan, backend: str, *, batching_window: float = 0.2, progress: Callable[[str], None] = lambda _text: None
) -> Outcome:
    started = time.monotonic()
    with LocalStack(
        dynamodb=backend, simulator_seed=plan.merchant.simulator_seed, batching_window=batching_window
    ) as stack:
        progress(f"local stack up ({backend}) in {time.monotonic() - started:.0f} s; playing {len(plan.phases)} phases")
        runner = Runner(stack, plan, progress)
        playing = time.monotonic()
        runner.play()
        played = time.monotonic() - playing
        outcome = check(runner, backend)
    delivered = outcome.figures["webhooks delivered (2xx)"]
    outcome.figures["wall time"] = f"{time.monotonic() - started:.0f} s ({played:.0f} s playing and draining)"
    outcome.figures["throughput"] = f"{delivered / played:.1f} webhooks/s"
    return outcome
