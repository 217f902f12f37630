"""`ledgerctl`: the operator's tool, against the local stack or AWS with the same commands.

It reads the functions' own settings from the environment (LEDGER_TABLE_NAME, REPORT_BUCKET_NAME,
SHOP_SECRET_PREFIX, SHOPIFY_ADMIN_URL_TEMPLATE, AWS_ENDPOINT_URL, ...), or a deployed stack's outputs
with --stack NAME. --json, --stack and --version may come anywhere on the line.
"""

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import metadata

from pydantic import ValidationError

from inventory_ledger.cli import levels, listing, merchants, parked, reconciliation, repairs
from inventory_ledger.cli.output import CONFLICT, CRASH, EXIT_CODES, NOT_FOUND, SETTINGS, USAGE, CommandError, Output
from inventory_ledger.cli.stack import use_stack
from inventory_ledger.config import Settings
from inventory_ledger.domain.onboarding import OnboardingProblem
from inventory_ledger.domain.operations import InvalidOperation
from inventory_ledger.observability import logger
from inventory_ledger.ports import MappingConflict

GROUPS = (merchants, levels, listing, parked, reconciliation, repairs)
EPILOG = "exit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())


def version() -> str:
    try:
        return metadata.version("inventory-ledger")
    except metadata.PackageNotFoundError:
        return "unknown"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="ledgerctl",
        description=__doc__.splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument("--json", action="store_true", help="print JSON instead of tables (anywhere on the line)")
    root.add_argument("--stack", metavar="NAME", help="read settings from this deployed stack's outputs")
    root.add_argument("--version", action="version", version=f"ledgerctl {version()}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return root


def hoist_global_options(argv: Sequence[str]) -> list[str]:
    """--json, --stack NAME and --version moved before the subcommand, wherever they were typed."""
    front: list[str] = []
    rest: list[str] = []
    words = list(argv)
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            rest += words[index:]
            break
        if word in ("--json", "--version"):
            front.append(word)
        elif word == "--stack" and index + 1 < len(words):
            front += [word, words[index + 1]]
            index += 1
        elif word.startswith("--stack="):
            front.append(word)
        else:
            rest.append(word)
        index += 1
    return front + rest


def quiet_logs() -> None:
    """The functions' JSON logs go to stderr, warnings and up (LEDGERCTL_LOG_LEVEL): stdout is the output."""
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        # Assigned, not setStream(): that flushes the old stream, which a test harness may have closed.
        handler.stream = sys.stderr
    logger.setLevel(os.environ.get("LEDGERCTL_LOG_LEVEL", "WARNING"))


def settings_problem(error: ValidationError) -> str | None:
    """One line for a settings model that could not be read from the environment (None: not settings)."""
    model = getattr(error, "title", "")
    settings_models = {cls.__name__ for cls in _subclasses(Settings)}
    if model not in settings_models:
        return None
    missing = [str(e["loc"][0]).upper() for e in error.errors() if e["type"] == "missing" and e["loc"]]
    invalid = [
        f"{str(e['loc'][0]).upper()} ({e['msg']})" for e in error.errors() if e["type"] != "missing" and e["loc"]
    ]
    parts = []
    if missing:
        parts.append("missing setting " + ", ".join(missing))
    if invalid:
        parts.append("invalid setting " + ", ".join(invalid))
    hint = "set it in the environment (make up prints them) or pass --stack NAME"
    return "; ".join(parts or [f"settings {model} could not be read"]) + f": {hint}"


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    sub: type
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def main(argv: Sequence[str] | None = None) -> int:
    quiet_logs()
    words = hoist_global_options(sys.argv[1:] if argv is None else argv)
    try:
        arguments = parser().parse_args(words)
    except SystemExit as exit_:  # argparse exits 2 on a usage error, 0 on --help and --version
        return int(exit_.code or 0)
    out = Output(as_json=arguments.json)
    try:
        if arguments.stack:
            use_stack(arguments.stack)
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
    except ValidationError as error:
        problem = settings_problem(error)
        if problem is not None:
            out.error(problem)
            return SETTINGS
        out.error("invalid: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
        return USAGE
    except (InvalidOperation, OnboardingProblem, ValueError) as error:
        out.error(f"invalid: {error}")
        return USAGE
    except Exception as error:  # one line, not a traceback; LEDGERCTL_LOG_LEVEL=DEBUG logs it in full
        logger.debug("ledgerctl crashed", exc_info=True)
        out.error(f"unexpected error: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        return CRASH


if __name__ == "__main__":
    sys.exit(main())
