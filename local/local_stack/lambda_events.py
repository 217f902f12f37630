"""Real Lambda event shapes, built the way the AWS services build them, for the local driver and tests."""

import base64
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def api_gateway_event(
    *, path: str, headers: Mapping[str, str], body: bytes, method: str = "POST", base64_encoded: bool = False
) -> dict[str, Any]:
    """An API Gateway REST (proxy, payload v1) event carrying ``body``.

    API Gateway base64-encodes a body it treats as binary; ``base64_encoded`` plays that.
    """
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/local{path}",
            "stage": "local",
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "local")},
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
        },
        "body": base64.b64encode(body).decode("ascii") if base64_encoded else body.decode("utf-8"),
        "isBase64Encoded": base64_encoded,
    }
