"""Shopify webhook deliveries in, authentic ones onto the ingest queue. Answers fast: no parsing here.

One route, so no router: powertools' event handler would add a tenth of a second to every cold start
for a path and method compared here, with the answers it gave kept as they were (a request for
another path or method is answered 503 `NotFoundError`, as that router's catch-all answered it).
"""

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import APIGatewayProxyEvent

from inventory_ledger.adapters.api_gateway import UndecodableBody, raw_body_of
from inventory_ledger.bootstrap import ingress_dependencies
from inventory_ledger.clock import utc_now
from inventory_ledger.observability import logger, metrics, tracer
from inventory_ledger.service.ingest import accept_delivery, record_outcome

if TYPE_CHECKING:  # a type only: importing it at run time is a module more in every cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

ROUTE = ("POST", "/webhooks/shopify")


class NotFoundError(Exception):
    """A request for a path or method the API does not route here."""


def _answer(status_code: int, **body: object) -> dict[str, Any]:
    # API Gateway's proxy answer, in the shape the REST resolver gave it.
    return {"statusCode": status_code, "multiValueHeaders": {"Content-Type": ["application/json"]},
            "body": json.dumps(body), "isBase64Encoded": False}  # fmt: skip


def receive_webhook(event: APIGatewayProxyEvent) -> dict[str, Any]:
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


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    try:
        request = APIGatewayProxyEvent(event)
        if ((request.http_method or "").upper(), request.path) != ROUTE:
            raise NotFoundError(f"{request.http_method} {request.path}")
        return receive_webhook(request)
    except Exception as error:
        # Our side failed (Secrets Manager, SQS): 503 makes Shopify retry the delivery later.
        logger.exception("webhook not accepted: dependency failure")
        return _answer(503, status="unavailable", detail=type(error).__name__)
