"""Options for the stack's child processes (moto server, DynamoDB Local)."""

import ctypes
import signal
import sys
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # Linux: the child gets SIGTERM when the thread that started it dies, even by SIGKILL, so a
    # killed test run or `up` leaves no server behind.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def child_process_options() -> dict[str, Any]:
    """Popen options: a session of its own, so Ctrl-C reaches only the parent, which stops the children
    in order (driver first, servers last) instead of the servers dying under a running driver."""
    options: dict[str, Any] = {"start_new_session": True}
    if sys.platform == "linux":
        options["preexec_fn"] = _die_with_parent
    return options
