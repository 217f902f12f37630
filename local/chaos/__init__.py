"""Seeded chaos scenarios for the whole local stack (docs/chaos.md).

A seed gives a plan (plan.py): a merchant, then phases of Shopify actions and operator operations,
each under its own faults. The runner (runner.py) plays it against a LocalStack, stops the faults,
lets everything drain, heals and reconciles; the checks (checks.py) hold the result against the
reference model (reference.py), which works the expected ledger out from the plan and the rules.

    python -m chaos --seed 7 --webhooks 10000 --skus 200 --locations 5 --dynamodb dynamodb-local
"""
