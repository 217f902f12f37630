"""aws.MotoServer (moto server, DynamoDB requests serialized) in a process of its own, on 127.0.0.1.

The stack runs moto out of process: moto keeps its state in module globals, so an in-process server
shares it with every other moto in the process (a test's ``moto_server.reset()`` would wipe a running
stack), and a separate process gives moto its own GIL while the handlers run.

``python -m local_stack.moto_process --port N`` is the child: it prints "Running on <url>" once
serving and stops on SIGTERM.
"""

import argparse
import logging
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Self

import httpx

from local_stack.processes import ChildServer, child_process_options

log = logging.getLogger(__name__)
_RUNNING = re.compile(r"Running on (http://[\d.]+:\d+)")


class MotoProcess(ChildServer):
    def __init__(self, port: int = 0, *, startup_timeout: float = 60.0) -> None:
        super().__init__(startup_timeout)
        self.port = port

    def start(self) -> Self:
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "local_stack.moto_process", "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **child_process_options(),
        )
        assert self._process.stdout is not None
        threading.Thread(target=self._pump, args=(self._process.stdout,), name="moto-output", daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        seen: list[str] = []
        while not self.endpoint_url:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto server did not start:\n" + "\n".join(seen)) from None
                continue
            seen.append(line)
            match = _RUNNING.search(line)
            if match:
                self.endpoint_url = match.group(1)
        return self

    def _pump(self, stream: IO[str]) -> None:
        # Keep reading so moto never blocks on a full pipe; one line per request, so debug level only.
        for line in stream:
            if self.endpoint_url:
                log.debug("moto: %s", line.rstrip())
            else:
                self._lines.put(line)

    def reset(self) -> None:
        httpx.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()


def main() -> None:
    from local_stack.aws import MotoServer

    parser = argparse.ArgumentParser(description="moto server for the local stack")
    parser.add_argument("--port", type=int, default=0)
    server = MotoServer(parser.parse_args().port).start()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    print(f"Running on {server.endpoint_url}", flush=True)
    stopping.wait()
    server.stop()


if __name__ == "__main__":
    main()
