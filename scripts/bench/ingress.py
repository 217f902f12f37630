"""webhook_ingress in-process, with moto server (SQS, Secrets Manager) behind it."""

import statistics
import time

from local_stack.aws import LocalResources
from local_stack.lambda_events import api_gateway_event
from scripts.bench.table import Row
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.webhooks import SECRET, SHOP, delivery_headers, order_body


def _p99(timings: list[float]) -> float:
    return timings[int(len(timings) * 0.99) - 1]


def measure(resources: LocalResources, requests: int = 300) -> list[Row]:
    resources.put_shop_secret(SHOP, [SECRET], "shpat_bench")
    handler = load_handler("webhook_ingress").lambda_handler
    sqs = resources.client("sqs")
    timings, bare = [], []
    for n in range(requests):
        body = order_body(order_id=2**60 + n)
        event = api_gateway_event(path="/webhooks/shopify", headers=delivery_headers(body), body=body)
        start = time.perf_counter()
        response = handler(event, FakeLambdaContext())
        timings.append((time.perf_counter() - start) * 1000)
        assert response["statusCode"] == 200, response
        # Interleaved, so both meet the same queue depth: the one call the handler cannot avoid.
        start = time.perf_counter()
        sqs.send_message(QueueUrl=resources.ingest_queue_url, MessageBody=body.decode())
        bare.append((time.perf_counter() - start) * 1000)
    timings.sort()
    bare.sort()
    note = "a bare boto3 SendMessage of the body, same queue, interleaved; Shopify allows 5 s"
    return [
        Row(
            "ingress",
            f"handler p50 ({requests} signed deliveries)",
            statistics.median(timings),
            "ms",
            statistics.median(bare),
            note,
            "moto server",
        ),
        Row("ingress", "handler p99", _p99(timings), "ms", _p99(bare), note, "moto server"),
    ]
