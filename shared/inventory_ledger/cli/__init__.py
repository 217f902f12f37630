"""`ledgerctl`: the operator's tool, against the local stack or AWS with the same commands.

It reads the functions' own settings from the environment (LEDGER_TABLE_NAME, REPORT_BUCKET_NAME,
SHOP_SECRET_PREFIX, SHOPIFY_ADMIN_URL_TEMPLATE, AWS_ENDPOINT_URL, ...). Exit codes: 0 ok, 1 drift found
or nothing to do, 2 usage or validation error, 3 not found, 4 conflict.
"""

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from inventory_ledger.cli import levels, merchants, parked, reconciliation, repairs
from inventory_ledger.cli.output import CONFLICT, NOT_FOUND, USAGE, CommandError, Output
from inventory_ledger.domain.onboarding import OnboardingProblem
from inventory_ledger.domain.operations import InvalidOperation
from inventory_ledger.observability import logger
from inventory_ledger.ports import MappingConflict

GROUPS = (merchants, levels, parked, reconciliation, repairs)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ledgerctl", description=__doc__.splitlines()[0])
    root.add_argument("--json", action="store_true", help="print JSON instead of tables")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return root


def quiet_logs() -> None:
    """The functions' JSON logs go to stderr, warnings and up (LEDGERCTL_LOG_LEVEL): stdout is the output."""
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        # Assigned, not setStream(): that flushes the old stream, which a test harness may have closed.
        handler.stream = sys.stderr
    logger.setLevel(os.environ.get("LEDGERCTL_LOG_LEVEL", "WARNING"))


def main(argv: Sequence[str] | None = None) -> int:
    quiet_logs()
    try:
        arguments = parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on a usage error, 0 on --help
        return int(exit_.code or 0)
    out = Output(as_json=arguments.json)
    try:
        return int(arguments.run(arguments, out))
    except CommandError as error:
        out.error(str(error))
        return error.code
    except MappingConflict as error:
        out.error(f"conflict: {error}")
        return CONFLICT
    except (LookupError, KeyError) as error:
        out.error(f"not found: {error}")
        return NOT_FOUND
    except (InvalidOperation, OnboardingProblem, ValidationError, ValueError) as error:
        out.error(f"invalid: {error}")
        return USAGE


if __name__ == "__main__":
    sys.exit(main())
