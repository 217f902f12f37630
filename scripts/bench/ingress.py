"""webhook_ingress in-process, with moto server (SQS, Secrets Manager) behind it."""

import statistics
import time

from local_stack.aws import LocalResources
from local_stack.lambda_events import api_gateway_event
from scripts.bench.table import Row
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.webhooks import SECRET, SHOP, delivery_headers, order_body


def measure(resources: LocalResources, requests: int = 300) -> list[Row]:
    resources.put_shop_secret(SHOP, [SECRET], "shpat_bench")
    handler = load_handler("webhook_ingress").lambda_handler
    timings = []
    for n in range(requests):
        body = order_body(order_id=2**60 + n)
        event = api_gateway_event(path="/webhooks/shopify", headers=delivery_headers(body), body=body)
        start = time.perf_counter()
        response = handler(event, FakeLambdaContext())
        timings.append((time.perf_counter() - start) * 1000)
        assert response["statusCode"] == 200, response
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    note = "Shopify's 5 s answer limit"
    return [
        Row("ingress", f"handler p50 ({requests} signed deliveries)", statistics.median(timings), "ms", 5000, note,
            "moto server"),
        Row("ingress", "handler p99", p99, "ms", 5000, note, "moto server"),
    ]  # fmt: skip
