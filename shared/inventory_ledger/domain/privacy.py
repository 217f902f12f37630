"""What the ledger keeps of a Shopify body: only what replay needs, never a customer's person. Pure.

Orders and refunds carry the customer (name, e-mail, phone), addresses, the browser's IP and notes;
the ledger reads none of them (its payload models ignore every field they do not name). Whatever is
stored beyond the queue (parked events) is stored with these removed, wherever they are nested.
"""

import json
from typing import Any

PERSONAL_KEYS = frozenset(
    {
        "customer",
        "email",
        "contact_email",
        "phone",
        "billing_address",
        "shipping_address",
        "destination",
        "origin_address",
        "addresses",
        "default_address",
        "first_name",
        "last_name",
        "address1",
        "address2",
        "zip",
        "latitude",
        "longitude",
        "client_details",
        "browser_ip",
        "note",
        "note_attributes",
    }
)


def without_personal_data(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_personal_data(v) for k, v in value.items() if k not in PERSONAL_KEYS}
    if isinstance(value, list):
        return [without_personal_data(v) for v in value]
    return value


def scrub_body(body: str) -> str:
    """The body without personal data (compact JSON); a body that is not JSON keeps nothing."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    return json.dumps(without_personal_data(parsed), separators=(",", ":"), ensure_ascii=False)


def scrub_envelope(envelope: str) -> str:
    """An ingest envelope (JSON) with its body scrubbed; the envelope's own fields are kept.

    Text that is not an envelope at all (only our ingress writes the queue: a bug or tampering) is
    kept as it is, for operators."""
    try:
        parsed = json.loads(envelope)
    except ValueError:
        return envelope
    if not isinstance(parsed, dict):
        return envelope
    if isinstance(parsed.get("body"), str) and parsed["body"]:
        parsed["body"] = scrub_body(parsed["body"])
    return json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)
