"""The HTTP server: GraphQL Admin endpoint, bulk result files and the control API, on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from . import executor
from .bulk import refresh_bulk
from .clock import Clock
from .control_api import ControlAPI
from .control_models import SeedFile
from .oauth import OAuthApps
from .schema import get_schema, supported_versions
from .simulator import Simulator

# Shopify's answer to a wrong or missing access token (HTTP 401).
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
GRAPHQL_URL_TEMPLATE = "/shops/{shop}/admin/api/{version}/graphql.json"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json", headers=headers)


class SimulatorApp:
    """The WSGI application."""

    def __init__(self, sim: Simulator, oauth: OAuthApps | None = None) -> None:
        self.sim = sim
        self.control = ControlAPI(sim)
        self.oauth = oauth or OAuthApps(sim.state)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if parts[0] == "_control":
            return self.control(request)
        if len(parts) == 6 and parts[0] == "shops" and parts[2:4] == ["admin", "api"] and parts[5] == "graphql.json":
            if request.method != "POST":
                return _json({"errors": "Not Found"}, 404)
            return self.graphql(request, parts[1], parts[4])
        if len(parts) == 5 and parts[0] == "shops" and parts[2:] == ["admin", "oauth", "access_token"]:
            return self.oauth.handle(request, parts[1])
        if len(parts) == 3 and parts[0] == "_bulk" and parts[2].endswith(".jsonl"):
            return self.bulk_file(parts[1], parts[2].removesuffix(".jsonl"))
        return _json({"errors": "Not Found"}, 404)

    def graphql(self, request: Request, shop_domain: str, version: str) -> Response:
        shop = self.sim.state.shop(shop_domain)
        token = request.headers.get("X-Shopify-Access-Token")
        # After app/uninstalled no token of the app works (lifecycle.py).
        if shop is None or not shop.app_installed or not token:
            return _json(INVALID_TOKEN, 401)
        if not (token == shop.access_token or self.oauth.accepts(shop_domain, token)):
            return _json(INVALID_TOKEN, 401)
        fault = self.sim.faults.take(shop_domain)
        if fault is not None:
            if fault.kind == "drop":
                sock = request.environ.get("werkzeug.socket")
                if isinstance(sock, socket.socket):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                return Response(b"", status=500)
            if fault.kind == "delay":
                time.sleep(fault.seconds)  # a slow Shopify: the caller's timeout is what is tested
            else:
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
                body = {"errors": "Too Many Requests" if fault.status == 429 else "Internal Server Error"}
                return _json(body, fault.status, headers)
        if version not in supported_versions():
            return _json({"errors": "Not Found"}, 404)
        try:
            payload = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return _json({"errors": {"query": "Required parameter missing or invalid"}}, 400)
        if not isinstance(payload, dict):
            return _json({"errors": {"query": "Required parameter missing or invalid"}}, 400)
        return _json(executor.handle(self.sim.state, shop, version, payload))

    def bulk_file(self, shop_domain: str, op_id: str) -> Response:
        shop = self.sim.state.shop(shop_domain)
        if shop is None or not op_id.isdigit():
            return _json({"errors": "Not Found"}, 404)
        with self.sim.state.lock:
            refresh_bulk(self.sim.state, shop)
            op = shop.bulk_operations.get(int(op_id))
            if op is None or op.status != "COMPLETED":
                return _json({"errors": "Not Found"}, 404)
            return Response(op.jsonl, mimetype="application/jsonl")


class SimulatorServer:
    """Run the simulator on a free port of 127.0.0.1; `state`/`sim` give tests direct access."""

    def __init__(
        self,
        seed: SeedFile | dict[str, Any] | str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        plan: str = "standard",
        clock: Clock | None = None,
        preload_versions: tuple[str, ...] = (),
    ) -> None:
        self.sim = Simulator(clock, plan)
        self.oauth = OAuthApps(self.sim.state)  # the token endpoint (oauth.py)
        self._seed = seed
        self._host = host
        self._port = port
        self._preload = preload_versions
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> Any:
        return self.sim.state

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        return f"http://{self._host}:{self._server.server_port}"

    @property
    def graphql_url_template(self) -> str:
        return self.base_url + GRAPHQL_URL_TEMPLATE

    def graphql_url(self, shop: str, version: str = "2026-07") -> str:
        return self.graphql_url_template.format(shop=shop, version=version)

    def start(self) -> SimulatorServer:
        for version in self._preload:
            get_schema(version)
        self._server = make_server(self._host, self._port, SimulatorApp(self.sim, self.oauth), threaded=True)
        self.sim.state.base_url = self.base_url
        if self._seed is not None:
            self.sim.seed(self._seed)
        self.sim.delivery.start()
        self._thread = threading.Thread(target=self._server.serve_forever, name="shopify-simulator", daemon=True)
        self._thread.start()
        return self

    def reset(self) -> None:
        """Back to the seed: state, subscriptions, deliveries and faults cleared, seed re-applied."""
        self.sim.reset()
        self.oauth.reset()
        if self._seed is not None:
            self.sim.seed(self._seed)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.sim.delivery.stop()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
