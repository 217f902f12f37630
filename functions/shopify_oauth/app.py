"""The app's install on a merchant's shop (authorization code grant): GET /oauth/install, /oauth/callback."""

import json
import time
from http.cookies import SimpleCookie

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory_ledger.bootstrap import install_dependencies
from inventory_ledger.observability import logger, tracer
from inventory_ledger.service.install import InstallRefused, begin_install, complete_install

app = APIGatewayRestResolver()
COOKIE = "ledger_oauth_state"


def _answer(status_code: int, **body: object) -> Response[str]:
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def _params() -> dict[str, str]:
    return {k: v for k, v in (app.current_event.query_string_parameters or {}).items() if isinstance(v, str)}


@app.get("/oauth/install")
def install() -> Response[str]:
    state_url, state = begin_install(_params(), install_dependencies().app(), time.time())
    cookie = f"{COOKIE}={state}; Max-Age=600; Path=/; Secure; HttpOnly; SameSite=Lax"
    return Response(status_code=302, body="", headers={"Location": state_url, "Set-Cookie": cookie})


@app.get("/oauth/callback")
def callback() -> Response[str]:
    cookies = SimpleCookie(app.current_event.headers.get("cookie") or app.current_event.headers.get("Cookie") or "")
    cookie_state = cookies[COOKIE].value if COOKIE in cookies else None
    deps = install_dependencies()
    stored = complete_install(_params(), cookie_state, deps.app(), deps.endpoint, deps.stores, time.time())
    logger.info("app installed", extra={"shop": _params().get("shop"), "token_version": stored.version})
    return _answer(200, status="installed", shop=_params().get("shop"))


@app.exception_handler(InstallRefused)  # type: ignore[untyped-decorator]  # powertools leaves it untyped
def refused(error: InstallRefused) -> Response[str]:
    logger.warning("install refused", extra={"reason": error.reason})
    return _answer(error.status_code, status="refused", detail=error.reason)


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]  # powertools leaves it untyped
def failed(error: Exception) -> Response[str]:
    from inventory_ledger.adapters.shopify.auth import TokenRefused

    if isinstance(error, TokenRefused):
        return _answer(400, status="refused", detail=f"Shopify refused the code: {error.error}")
    logger.exception("install failed")
    return _answer(503, status="unavailable", detail=type(error).__name__)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return app.resolve(event, context)
