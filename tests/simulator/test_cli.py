"""The one-command start: prints its base URL, serves the seed, stops on SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx


def test_cli_prints_base_url_and_serves_seed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"shops": [{"domain": "cli.myshopify.com", "locations": [{"name": "A"}]}]}))
    proc = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "shopify_simulator", "--port", "0", "--seed", str(seed), "--plan", "advanced"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        shop = httpx.get(f"{base_url}/_control/shops/cli.myshopify.com", trust_env=False).json()
        assert shop["plan"] == "advanced"
        assert shop["locations"][0]["name"] == "A"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
