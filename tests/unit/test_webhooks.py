"""Signature and header rules of a Shopify delivery, and the order in which ingress checks them."""

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory_ledger.domain.webhooks import (
    InvalidHeaders,
    WebhookEnvelope,
    is_authentic,
    read_delivery_headers,
    signature_of,
)
from inventory_ledger.ports import IngestQueue, ShopSecrets, UnknownShop
from inventory_ledger.service.ingest import Outcome, accept_delivery
from tests.support.webhooks import SECRET, SHOP, delivery_headers, order_body

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class FakeSecrets(ShopSecrets):
    def __init__(self, secrets: dict[str, list[str]]) -> None:
        self.secrets = secrets
        self.lookups: list[str] = []

    def webhook_secrets(self, shop_domain: str) -> Sequence[str]:
        self.lookups.append(shop_domain)
        if shop_domain not in self.secrets:
            raise UnknownShop(shop_domain)
        return self.secrets[shop_domain]


class FakeQueue(IngestQueue):
    def __init__(self) -> None:
        self.sent: list[WebhookEnvelope] = []

    def send(self, envelope: WebhookEnvelope) -> str:
        self.sent.append(envelope)
        return f"m{len(self.sent)}"


def accept(headers: dict[str, str], body: bytes, secrets: FakeSecrets | None = None) -> tuple[Outcome, FakeQueue]:
    queue = FakeQueue()
    result = accept_delivery(
        headers, body, secrets=secrets or FakeSecrets({SHOP: [SECRET]}), queue=queue, max_body_bytes=1000, now=NOW
    )
    return result.outcome, queue


def test_signature_matches_shopifys_documented_construction() -> None:
    # base64(HMAC-SHA256(body, secret)), as `openssl dgst -sha256 -hmac secret -binary | base64` gives it.
    assert signature_of(b'{"id":1}', "secret") == "A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc="


@given(body=st.binary(max_size=200), secret=st.text(min_size=1, max_size=30), other=st.text(min_size=1, max_size=30))
def test_only_the_signing_secret_authenticates_a_body(body: bytes, secret: str, other: str) -> None:
    signature = signature_of(body, secret)
    assert is_authentic(body, signature, [secret])
    assert is_authentic(body, signature, [other, secret])
    assert is_authentic(body, signature, [other]) == (other == secret)
    assert not is_authentic(body + b" ", signature, [secret])


def test_headers_are_read_whatever_their_case() -> None:
    headers = {name.lower(): value for name, value in delivery_headers(b"{}").items()}
    assert read_delivery_headers(headers).shop_domain == SHOP


def test_missing_event_id_falls_back_to_the_webhook_id() -> None:
    headers = delivery_headers(b"{}")
    del headers["X-Shopify-Event-Id"]
    parsed = read_delivery_headers(headers)
    assert parsed.event_id == headers["X-Shopify-Webhook-Id"]


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Shopify-Shop-Domain", "evil.example.com"),
        ("X-Shopify-Shop-Domain", "../secrets.myshopify.com"),
        ("X-Shopify-Triggered-At", "yesterday"),
        ("X-Shopify-Triggered-At", "2026-11-23T08:00:00"),  # no zone: ambiguous
        ("X-Shopify-API-Version", "latest"),
    ],
)
def test_invalid_headers_are_named(header: str, value: str) -> None:
    headers = {**delivery_headers(b"{}"), header: value}
    with pytest.raises(InvalidHeaders):
        read_delivery_headers(headers)


def test_a_forged_body_is_never_read_nor_queued() -> None:
    outcome, queue = accept(delivery_headers(b"{}", secret="wrong"), b"not even json")
    assert outcome is Outcome.FORGED
    assert queue.sent == []


def test_size_is_checked_before_any_secret_is_looked_up() -> None:
    secrets = FakeSecrets({SHOP: [SECRET]})
    body = b"x" * 1001
    outcome, _ = accept(delivery_headers(body), body, secrets)
    assert outcome is Outcome.TOO_LARGE
    assert secrets.lookups == []


def test_an_authentic_order_is_queued_whole() -> None:
    body = order_body()
    outcome, queue = accept(delivery_headers(body, event_id="evt-1"), body)
    assert outcome is Outcome.QUEUED
    [envelope] = queue.sent
    assert envelope.body.encode() == body
    assert envelope.event_id == "evt-1"
    assert envelope.received_at == NOW


def test_a_non_ascii_signature_is_simply_not_authentic() -> None:
    # Found by the fuzz test: str compare_digest raised TypeError here, which answered 503.
    assert not is_authentic(b"{}", "é" * 44, [SECRET])
