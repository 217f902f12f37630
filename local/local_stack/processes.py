"""The stack's child processes (moto server, DynamoDB Local): how they start and how they stop."""

import ctypes
import os
import queue
import signal
import subprocess
import sys
from abc import ABC, abstractmethod
from typing import Any, Self

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


def stop_child(process: "subprocess.Popen[str] | None") -> None:
    """SIGTERM, then SIGKILL after 10 s; a process that has exited already is left as it is."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class ChildServer(ABC):
    """A server the stack runs as a child process: ``start`` launches it and waits for its URL (reading
    the output lines its pump queues), ``stop`` ends it; a context manager does both."""

    def __init__(self, startup_timeout: float) -> None:
        self.startup_timeout = startup_timeout
        self.endpoint_url = ""
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str] = queue.Queue()

    @abstractmethod
    def start(self) -> Self: ...

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_child(process)

    def cpu_seconds(self) -> float | None:
        """User + system CPU the running child has used so far (Linux's /proc), None elsewhere: the bench
        weighs what the backend itself costs beside what the functions do."""
        if self._process is None or self._process.poll() is not None:
            return None
        try:
            with open(f"/proc/{self._process.pid}/stat") as stat:
                # Fields after the parenthesised command name; utime and stime are the 12th and 13th.
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
