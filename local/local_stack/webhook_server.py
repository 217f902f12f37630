"""The driver's HTTP server on 127.0.0.1: the webhook URL (played as API Gateway) and the driver's own routes.

POST /webhooks/shopify      → webhook_ingress, through a REST API proxy event
POST /_driver/reconcile     → drift_reconciler; body {"shop": ..., "location": ...} or none (the scheduled event)
POST /_driver/nightly       → as the schedule: reconcile_fanout; the driver feeds its queue to drift_reconciler
POST /_driver/drain         → waits until the driver is idle (?timeout=30), 200 or 504
GET  /_driver/status        → the driver's counters as JSON
"""

import base64
import fnmatch
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)


@dataclass
class HttpAnswer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(status: int, payload: Any) -> HttpAnswer:
    return HttpAnswer(status, json.dumps(payload, default=str).encode(), {"Content-Type": "application/json"})


# What API Gateway answers when the integration (the function) fails.
LAMBDA_ERROR = json_answer(502, {"message": "Internal server error"})


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether API Gateway hands this body to the function base64-encoded (the API's BinaryMediaTypes)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    return any(fnmatch.fnmatch(media_type, pattern.lower()) for pattern in binary_media_types)


def proxy_answer(response: Any) -> HttpAnswer:
    """The HTTP answer API Gateway makes of a proxy integration's response."""
    if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
        return LAMBDA_ERROR  # API Gateway: "Malformed Lambda proxy response" is a 502
    body = response.get("body") or ""
    raw = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode()
    headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        if values:
            headers[str(name)] = ", ".join(str(v) for v in values)
    return HttpAnswer(response["statusCode"], raw, headers)


Route = Callable[[dict[str, str], bytes, dict[str, list[str]]], HttpAnswer]


class DriverHttpServer:
    def __init__(self, routes: dict[tuple[str, str], Route], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes = routes
        handler = _handler_class(self)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="driver-http", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port (the socket is bound from construction, started or not)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()


def _handler_class(server: DriverHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            route = server.routes.get((method, parts.path))
            if route is None:
                answer = json_answer(404, {"message": f"no route for {method} {parts.path}"})
            else:
                headers = {name: value for name, value in self.headers.items()}
                try:
                    answer = route(headers, body, parse_qs(parts.query))
                except Exception:
                    log.exception("driver route %s %s failed", method, parts.path)
                    answer = LAMBDA_ERROR
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def do_POST(self) -> None:
            self._serve("POST")

        def do_GET(self) -> None:
            self._serve("GET")

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("driver http: " + format, *args)

    return Handler
