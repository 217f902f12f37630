"""The authorization code install's checks: Shopify's query HMAC and our ``state``. Pure (stdlib only).

Facts (shopify.dev, "Implement authorization code grant manually"): every request Shopify sends to the
app's install and redirect URLs carries ``shop``, ``timestamp`` and ``hmac``; ``hmac`` is the hex
HMAC-SHA256, keyed with the app's client secret, of the other query parameters sorted by name and
joined as ``name=value`` with ``&``. The app passes a ``state`` nonce to the authorize page and must
find the same one in the callback.

Our state is stateless and signed: ``<expiry>.<nonce>.<signature over shop, expiry and nonce>``, so any
Lambda can check it; it is also set as a cookie on the browser that began the install, and the
callback requires the two to match (the state is bound to that browser, not only to the shop).
"""

import hashlib
import hmac
import secrets
from collections.abc import Mapping

STATE_TTL_SECONDS = 600
TIMESTAMP_SKEW_SECONDS = 3600


def query_signature(params: Mapping[str, str], secret: str) -> str:
    message = "&".join(f"{name}={value}" for name, value in sorted(params.items()) if name not in ("hmac", "signature"))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def is_signed_query(params: Mapping[str, str], secret: str, now: float) -> bool:
    """Shopify signed these parameters with ``secret``, recently."""
    offered = params.get("hmac", "")
    try:
        fresh = abs(now - int(params.get("timestamp", ""))) <= TIMESTAMP_SKEW_SECONDS
    except ValueError:
        return False
    return fresh and hmac.compare_digest(query_signature(params, secret).encode(), offered.encode())


def _state_signature(shop: str, expiry: int, nonce: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"state|{shop}|{expiry}|{nonce}".encode(), hashlib.sha256).hexdigest()


def issue_state(shop: str, secret: str, now: float) -> str:
    expiry = int(now) + STATE_TTL_SECONDS
    nonce = secrets.token_urlsafe(16)
    return f"{expiry}.{nonce}.{_state_signature(shop, expiry, nonce, secret)}"


def is_valid_state(state: str, shop: str, secret: str, now: float) -> bool:
    """Ours, for this shop, and not expired."""
    parts = state.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    expiry, nonce, signature = int(parts[0]), parts[1], parts[2]
    expected = _state_signature(shop, expiry, nonce, secret)
    return now <= expiry and hmac.compare_digest(expected.encode(), signature.encode())
