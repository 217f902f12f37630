"""Shopify webhook deliveries in, authentic ones onto the ingest queue. Answers fast: no parsing here."""

import json

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory_ledger.adapters.api_gateway import UndecodableBody, raw_body_of
from inventory_ledger.bootstrap import ingress_dependencies
from inventory_ledger.clock import utc_now
from inventory_ledger.observability import logger, metrics, tracer
from inventory_ledger.service.ingest import accept_delivery, record_outcome

app = APIGatewayRestResolver()


def _answer(status_code: int, **body: object) -> Response[str]:
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


@app.post("/webhooks/shopify")
def receive_webhook() -> Response[str]:
    event = app.current_event
    try:
        raw_body = raw_body_of(event.body, bool(event.is_base64_encoded))
    except UndecodableBody as error:
        return _answer(400, status="invalid_body", detail=str(error))
    deps = ingress_dependencies()
    result = accept_delivery(
        event.headers,
        raw_body,
        secrets=deps.secrets,
        queue=deps.queue,
        max_body_bytes=deps.max_body_bytes,
        now=utc_now(),
        max_age=deps.max_age,
        registry=deps.registry,
    )
    record_outcome(result)
    return _answer(result.status_code, **result.answer)


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]  # powertools leaves it untyped
def unavailable(error: Exception) -> Response[str]:
    # Our side failed (Secrets Manager, SQS): 503 makes Shopify retry the delivery later.
    logger.exception("webhook not accepted: dependency failure")
    return _answer(503, status="unavailable", detail=type(error).__name__)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)
