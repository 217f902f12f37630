"""The whole stack: the session fixture, and `python -m local_stack up` in the foreground."""

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from local_stack.stack import LocalStack
from tests.support.webhooks import SECRET, SHOP, delivery_headers, order_body

pytestmark = pytest.mark.e2e


def test_the_stack_serves_the_webhook_url_and_reports_its_status(active_local_stack: LocalStack) -> None:
    stack = active_local_stack
    stack.resources.put_shop_secret(SHOP, [SECRET], "shpat_test")
    body = order_body()
    answer = httpx.post(stack.webhook_url, content=body, headers=delivery_headers(body), timeout=10)
    assert answer.status_code == 200
    assert stack.driver is not None
    stack.driver.drain(timeout=30)
    status = httpx.get(stack.driver.status_url, timeout=10).json()
    assert status["counters"]["webhook"]["status_200"] >= 1
    assert status["functions"]["webhook_ingress"]["invocations"] >= 1
    urls = stack.urls()
    assert all(url.startswith("http://127.0.0.1:") for url in urls.values())


def test_up_prints_its_urls_and_stops_cleanly_on_sigterm() -> None:
    env = {**os.environ, "LEDGER_DYNAMODB": "moto"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_stack", "up", "--no-simulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    try:
        for line in process.stdout:  # blocks per line; the deadline bounds the whole start-up
            lines.append(line)
            if "Ctrl-C" in line or time.monotonic() > deadline:
                break
        output = "".join(lines)
        status_url = re.search(r"driver status\s+(\S+)", output)
        assert status_url, output
        assert re.search(r"webhook\s+http://127\.0\.0\.1:\d+/webhooks/shopify", output)
        exported = dict(re.findall(r"^export (\w+)=(\S+)$", output, re.MULTILINE))
        for name in ("AWS_ENDPOINT_URL", "LEDGER_TABLE_NAME", "REPORT_BUCKET_NAME", "SHOP_SECRET_PREFIX", "AWS_REGION"):
            assert exported.get(name), (name, output)
        assert httpx.get(status_url.group(1), timeout=10).json()["functions"]["webhook_ingress"]["available"]
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, rest
    assert "stopped." in rest
