"""The dependencies layer ships bytecode Lambda can use from its read-only /opt (layers/dependencies/Makefile)."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "layers" / "dependencies" / "Makefile"
# PEP 552: the word after the magic number; bit 0 hash-based, bit 1 "check the source".
UNCHECKED_HASH = 0b01


def _compile(artifacts: Path, python: str) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    assert make is not None
    return subprocess.run(  # noqa: S603 - our own Makefile, fixed arguments
        [make, "-s", "-f", str(MAKEFILE), "compile-bytecode", f"ARTIFACTS_DIR={artifacts}", f"PYTHON={python}"],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(sys.version_info[:2] != (3, 12), reason="the layer's bytecode is Python 3.12's")
def test_every_module_gets_unchecked_hash_bytecode_for_python_3_12(tmp_path: Path) -> None:
    package = tmp_path / "python" / "example"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text("LIMIT = 250\n")
    done = _compile(tmp_path, sys.executable)
    assert done.returncode == 0, done.stderr
    for module in ("__init__", "rules"):
        compiled = package / "__pycache__" / f"{module}.{sys.implementation.cache_tag}.pyc"
        header = compiled.read_bytes()[:8]
        assert header[:4] == importlib.util.MAGIC_NUMBER
        # Unchecked: Lambda never compares it with the source's time, which a zip keeps to 2 s.
        assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH


def test_another_python_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "python").mkdir()
    other = tmp_path / "python3.11"
    other.write_text("#!/bin/sh\nexit 1\n")  # answers "not 3.12" to the version check
    other.chmod(0o755)
    done = _compile(tmp_path, str(other))
    assert done.returncode != 0
    assert "needs Python 3.12" in done.stdout + done.stderr
