#!/usr/bin/env python3
"""Regenerates events/: the sample Lambda events the tests and `sam local invoke` use.

    python scripts/make_events.py [--out events] [--payloads reference/shopify/payloads]

Deterministic: the same inputs give byte-identical files. Webhook bodies come from Shopify's own
sample payloads (reference/shopify/payloads/webhook-samples-triggerdev), with the ids that a
JavaScript round trip corrupted restored from their admin_graphql_api_id gids, serialised as compact
JSON with exact 64-bit integers, and signed with the test secret below.
"""

import argparse
import base64
import copy
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local_stack import lambda_events

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "events"
DEFAULT_PAYLOADS = ROOT / "reference" / "shopify" / "payloads"

# The documented test secret (events/README.md); never a real one.
TEST_SECRET = "events-test-secret"  # noqa: S105
SHOP = "demo-shop.myshopify.com"
API_VERSION = "2026-07"
REGION = "us-east-1"
ACCOUNT = "123456789012"
STAGE = "dev"
TRIGGERED_AT = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)
NAMESPACE = uuid.UUID("6f1c3a52-52a4-4c53-9d56-0d7a6f0e2b11")  # fixed: ids are stable across runs

# Shopify location ids of the demo merchant (the local stack maps them to ledger locations).
RETAIL_LOCATION_ID = 24826418  # the sample payloads' location: the demo's POS store
WAREHOUSE_LOCATION_ID = 487838322  # Shopify's REST refund example location: the primary shipping location

# A POS order is not among Shopify's samples: it is the online sample taken at the store, given fresh
# ids above 2**53 so that a float anywhere on the way would show.
POS_ORDER_ID = 820982911946155001
POS_LINE_ITEM_IDS = (866550311766440001, 141249953214523501)

Json = Any


def _compact(value: Json) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def _gid_number(gid: str) -> int:
    """gid://shopify/Order/820982911946154508 -> 820982911946154508 (query part ignored)."""
    return int(gid.rsplit("/", 1)[1].split("?", 1)[0])


# ---------------------------------------------------------------------------- payloads


def _gid_ids(node: Json, found: dict[int, int]) -> dict[int, int]:
    """Collects corrupted id -> exact id from every object carrying an admin_graphql_api_id gid."""
    if isinstance(node, dict):
        gid = node.get("admin_graphql_api_id")
        if isinstance(gid, str) and isinstance(node.get("id"), int) and "?" not in gid:
            found[node["id"]] = _gid_number(gid)
        for value in node.values():
            _gid_ids(value, found)
    elif isinstance(node, list):
        for value in node:
            _gid_ids(value, found)
    return found


def _exact_ids(payload: Json, known: dict[int, int]) -> Json:
    """Restores ids corrupted by a float round trip, from gids.

    Every object with an admin_graphql_api_id gets the id of its gid; id references (order_id,
    line_item_id, customer_id) that equal a corrupted value get the exact one (``known`` holds the
    gids of the other sample payloads: a refund names its order only by the corrupted order_id).
    Ids with no gid anywhere (addresses, shipping lines, refund lines) stay as they are.
    """
    payload = copy.deepcopy(payload)
    exact = _gid_ids(payload, dict(known))

    def fix(node: Json) -> None:
        if isinstance(node, dict):
            gid = node.get("admin_graphql_api_id")
            if isinstance(gid, str) and isinstance(node.get("id"), int) and "?" not in gid:
                node["id"] = _gid_number(gid)
            for key in ("order_id", "line_item_id", "customer_id"):
                if isinstance(node.get(key), int) and node[key] in exact:
                    node[key] = exact[node[key]]
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(payload)
    return payload


def _load(payloads: Path, name: str) -> Json:
    return json.loads((payloads / "webhook-samples-triggerdev" / name).read_text(encoding="utf-8"))


def _sample(payloads: Path, name: str) -> Json:
    """A sample payload with exact ids (the order's gids also fix the refund's references)."""
    known = _gid_ids(_load(payloads, "Order.json"), {})
    return _exact_ids(_load(payloads, name), known)


def online_order(payloads: Path) -> Json:
    """orders/create for an online order: no location on the order (ships from the primary location)."""
    order = _sample(payloads, "Order.json")
    order.update(
        cancelled_at=None,
        cancel_reason=None,
        financial_status="paid",
        fulfillment_status=None,
        confirmed=True,
        location_id=None,
        source_name="web",
    )
    return order


def pos_order(payloads: Path) -> Json:
    """orders/create for a POS sale: the order names the retail location it was taken at."""
    order = online_order(payloads)
    order.update(
        id=POS_ORDER_ID,
        admin_graphql_api_id=f"gid://shopify/Order/{POS_ORDER_ID}",
        name="#10000",
        number=235,
        order_number=1235,
        source_name="pos",
        location_id=RETAIL_LOCATION_ID,
        fulfillment_status="fulfilled",
    )
    for line, line_id in zip(order["line_items"], POS_LINE_ITEM_IDS, strict=True):
        line.update(
            id=line_id,
            admin_graphql_api_id=f"gid://shopify/LineItem/{line_id}",
            fulfillable_quantity=0,
            fulfillment_status="fulfilled",
        )
    return order


def cancelled_order(payloads: Path) -> Json:
    """orders/cancelled: Shopify's sample as it is (cancelled, voided, lines unfulfilled), exact ids."""
    return _sample(payloads, "Order.json")


def refund(payloads: Path) -> Json:
    """refunds/create: the first line returned to the warehouse (restocked), the second not restocked."""
    payload = _sample(payloads, "Refund.json")
    first = payload["refund_line_items"][0]
    first.update(restock_type="return", location_id=WAREHOUSE_LOCATION_ID)
    payload["restock"] = True
    return payload


def inventory_level(payloads: Path) -> Json:
    """inventory_levels/update: the exact inventory item id (from the gid) and a quantity."""
    payload = _load(payloads, "InventoryLevel.json")
    gid = payload["admin_graphql_api_id"]
    payload["inventory_item_id"] = int(gid.split("inventory_item_id=", 1)[1])
    payload["location_id"] = _gid_number(gid)
    payload["available"] = 7
    return payload


# ---------------------------------------------------------------------------- events


def sign(raw_body: bytes, secret: str = TEST_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode("ascii")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def delivery_headers(topic: str, raw_body: bytes, event_key: str, delivery: int, at: datetime) -> dict[str, str]:
    return {
        "Accept": "*/*",
        "Content-Type": "application/json",
        "Host": f"abcdef1234.execute-api.{REGION}.amazonaws.com",
        "User-Agent": "Shopify-Captain-Hook",
        "X-Shopify-API-Version": API_VERSION,
        "X-Shopify-Event-Id": _stable_uuid("event", event_key),
        "X-Shopify-Hmac-Sha256": sign(raw_body),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Topic": topic,
        "X-Shopify-Triggered-At": _iso(at),
        "X-Shopify-Webhook-Id": _stable_uuid("webhook", event_key, delivery),
    }


def api_gateway_event(
    headers: dict[str, str], raw_body: bytes, received: datetime, *, base64_body: bool = False
) -> Json:
    """An API Gateway REST API (Lambda proxy integration, payload v1.0) POST /webhooks/shopify."""
    request_id = _stable_uuid("request", headers["X-Shopify-Webhook-Id"])
    headers = {**headers, "Content-Length": str(len(raw_body))}
    # The local driver's event shape, with a request context as a deployed stage fills it in (stable ids).
    event = lambda_events.api_gateway_event(
        path="/webhooks/shopify", headers=headers, body=raw_body, base64_encoded=base64_body
    )
    event["requestContext"] = {
        "resourceId": "a1b2c3",
        "resourcePath": "/webhooks/shopify",
        "httpMethod": "POST",
        "extendedRequestId": request_id[:16],
        "requestTime": received.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{STAGE}/webhooks/shopify",
        "accountId": ACCOUNT,
        "protocol": "HTTP/1.1",
        "stage": STAGE,
        "domainPrefix": "abcdef1234",
        "requestTimeEpoch": int(received.timestamp() * 1000),
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": "34.23.45.67",
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": "Shopify-Captain-Hook",
            "user": None,
        },
        "domainName": f"abcdef1234.execute-api.{REGION}.amazonaws.com",
        "apiId": "abcdef1234",
    }
    return event


def envelope(headers: dict[str, str], raw_body: bytes, received: datetime) -> Json:
    """The ingest envelope (docs/contracts.md) the ingress queues for an accepted delivery."""
    return {
        "topic": headers["X-Shopify-Topic"],
        "shop_domain": headers["X-Shopify-Shop-Domain"],
        "webhook_id": headers["X-Shopify-Webhook-Id"],
        "event_id": headers["X-Shopify-Event-Id"],
        "triggered_at": headers["X-Shopify-Triggered-At"],
        "api_version": headers["X-Shopify-API-Version"],
        "received_at": _iso(received),
        "body": raw_body.decode("utf-8"),
    }


def sqs_event(envelopes: list[Json], sent: datetime) -> Json:
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:inventory-ledger-{STAGE}-IngestQueue-1A2B3C4D5E6F"
    records = []
    for index, item in enumerate(envelopes):
        body = _compact(item)
        at = int((sent + timedelta(milliseconds=index)).timestamp() * 1000)
        records.append(
            {
                "messageId": _stable_uuid("message", item["webhook_id"]),
                "receiptHandle": base64.b64encode(f"receipt/{item['webhook_id']}/1".encode()).decode(),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "AWSTraceHeader": f"Root=1-6922c010-{hashlib.sha256(body.encode()).hexdigest()[:24]};"
                    "Parent=53995c3f42cd8ad8;Sampled=1",
                    "SentTimestamp": str(at),
                    "SenderId": "AROAEXAMPLEROLEID:inventory-ledger-dev-WebhookIngressFunction",
                    "ApproximateFirstReceiveTimestamp": str(at + 20),
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def _ddb(value: Json) -> Json:
    """A Python value in DynamoDB JSON (numbers as strings, exactly)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    return {"S": str(value)}


def _image(item: dict[str, Json]) -> dict[str, Json]:
    return {key: _ddb(value) for key, value in item.items()}


def balance(location: str, sku: str, **fields: Json) -> dict[str, Json]:
    return {
        "pk": f"LEVEL#{SHOP}#{location}#{sku}",
        "sk": "BALANCE",
        "item_type": "balance",
        "shop": SHOP,
        "location": location,
        "sku": sku,
        **fields,
    }


def stream_record(name: str, new: dict[str, Json], old: dict[str, Json] | None, sequence: int, at: datetime) -> Json:
    table = f"inventory-ledger-{STAGE}-LedgerTable-1A2B3C4D5E6F"
    record: Json = {
        "eventID": hashlib.sha256(f"{new['pk']}|{sequence}".encode()).hexdigest()[:32],
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": int(at.timestamp()),
            "Keys": {"pk": {"S": new["pk"]}, "sk": {"S": new["sk"]}},
            "NewImage": _image(new),
            "SequenceNumber": str(sequence),
            "SizeBytes": len(_compact(_image(new))) + (len(_compact(_image(old))) if old else 0),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}/stream/2026-11-20T00:00:00.000",
    }
    if old is not None:
        record["dynamodb"]["OldImage"] = _image(old)
    return record


def build_events(payloads: Path = DEFAULT_PAYLOADS) -> dict[str, Json]:
    """Every sample event, by file name."""
    events: dict[str, Json] = {}
    deliveries: list[tuple[str, str, Callable[[Path], Json]]] = [
        ("apigw_orders_create_online", "orders/create", online_order),
        ("apigw_orders_create_pos", "orders/create", pos_order),
        ("apigw_orders_cancelled", "orders/cancelled", cancelled_order),
        ("apigw_refunds_create", "refunds/create", refund),
        ("apigw_inventory_levels_update", "inventory_levels/update", inventory_level),
    ]
    envelopes = []
    for index, (name, topic, payload_of) in enumerate(deliveries):
        raw = _compact(payload_of(payloads)).encode("utf-8")
        at = TRIGGERED_AT + timedelta(minutes=index)
        received = at + timedelta(seconds=1)
        headers = delivery_headers(topic, raw, name, 1, at)
        events[name] = api_gateway_event(headers, raw, received)
        envelopes.append(envelope(headers, raw, received))

    # A second delivery of the online order's event (same event id, new webhook id), with the body
    # base64-encoded as API Gateway hands over bodies of binary media types.
    raw = _compact(online_order(payloads)).encode("utf-8")
    at = TRIGGERED_AT
    redelivered = at + timedelta(minutes=10)
    headers = delivery_headers("orders/create", raw, "apigw_orders_create_online", 2, at)
    events["apigw_orders_create_online_base64"] = api_gateway_event(headers, raw, redelivered, base64_body=True)

    # Forged: a body that claims 5 units, carrying the signature of the genuine 1-unit body.
    forged = online_order(payloads)
    forged["line_items"][0]["quantity"] = 5
    forged_raw = _compact(forged).encode("utf-8")
    headers = {**delivery_headers("orders/create", raw, "apigw_forged_signature", 1, at)}
    events["apigw_forged_signature"] = api_gateway_event(headers, forged_raw, at + timedelta(seconds=1))

    events["sqs_ingest_batch"] = sqs_event(envelopes, TRIGGERED_AT + timedelta(minutes=5))

    sku = "IPOD2008PINK"
    changed = TRIGGERED_AT + timedelta(minutes=6)
    # A first receipt at the store (Shopify holds nothing there yet), and a transfer of 2 units out of
    # the warehouse: both leave the ledger and what Shopify shows apart, so both need a push.
    created = balance(
        "store", sku, quantity=20, version=1, shopify_expected=0, changed_by="ledger", updated_at=_iso(changed)
    )
    before = balance(
        "warehouse",
        sku,
        quantity=12,
        version=3,
        shopify_expected=12,
        pushed_version=3,
        changed_by="pusher",
        updated_at=_iso(changed - timedelta(hours=1)),
    )
    after = {**before, "quantity": 10, "version": 4, "changed_by": "ledger", "updated_at": _iso(changed)}
    events["dynamodb_stream_balances"] = {
        "Records": [
            stream_record("INSERT", created, None, 111100000000000000000001, changed),
            stream_record("MODIFY", after, before, 111100000000000000000002, changed),
        ]
    }
    acknowledged = {
        **after,
        "shopify_expected": 10,
        "pushed_version": 4,
        "changed_by": "pusher",
        "updated_at": _iso(changed + timedelta(seconds=3)),
    }
    events["dynamodb_stream_pusher_ack"] = {
        "Records": [
            stream_record("MODIFY", acknowledged, after, 111100000000000000000003, changed + timedelta(seconds=3))
        ]
    }

    nightly = datetime(2026, 11, 24, 3, 0, 0, tzinfo=UTC)
    events["schedule_nightly"] = {
        "version": "0",
        "id": _stable_uuid("schedule", nightly.isoformat()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": nightly.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/inventory-ledger-{STAGE}-nightly-reconcile"],
        "detail": {},
    }
    events["reconcile_direct"] = {"shop": SHOP, "location": "warehouse"}
    return events


README_TEMPLATE = """\
# Sample events

Generated by `python scripts/make_events.py` (deterministic; rerun it rather than editing these files).
Webhook bodies are Shopify's sample payloads (`reference/shopify/payloads/webhook-samples-triggerdev`)
with the float-corrupted ids restored from their gids (order 820982911946154508, line items
866550311766439020 and 141249953214522974, refund 890088186047892319, inventory item
271878346596884015), compact JSON, shop `demo-shop.myshopify.com`, API version 2026-07.
They are signed with the **test secret `events-test-secret`**: `X-Shopify-Hmac-Sha256` is
base64(HMAC-SHA256(secret, exact raw body bytes)). Demo Shopify locations: 24826418 is the POS store
(ledger location `store`), 487838322 the primary shipping location (ledger location `warehouse`).

{table}

Balance attributes besides `pk`, `sk`, `item_type` and `changed_by` are illustrative; the ledger
adapter owns their names.
"""


DESCRIPTIONS = {
    "apigw_orders_create_online": "API Gateway REST (proxy, v1.0) POST /webhooks/shopify: orders/create, "
    "online (`location_id` null, source `web`)",
    "apigw_orders_create_pos": "orders/create taken at POS (`location_id` 24826418, source `pos`; "
    "order 820982911946155001, made-up ids above 2^53)",
    "apigw_orders_cancelled": "orders/cancelled for order 820982911946154508 (Shopify's sample: "
    "cancelled, lines unfulfilled)",
    "apigw_refunds_create": "refunds/create: line 866550311766439020 restocked (`return`, location "
    "487838322), the other `no_restock`",
    "apigw_inventory_levels_update": "inventory_levels/update: item 271878346596884015 at 24826418, available 7",
    "apigw_orders_create_online_base64": "a second delivery of the online order's event (same event id, "
    "new webhook id), body base64-encoded (`isBase64Encoded: true`), as the API's binary media type "
    "`*/*` hands it over",
    "apigw_forged_signature": "forged: the body says quantity 5, the signature is the genuine 1-unit "
    "body's; must be refused (401)",
    "sqs_ingest_batch": "SQS batch for the ledger consumer: the five deliveries above (not the redelivery, "
    "not the forgery) as ingest envelopes (docs/contracts.md)",
    "dynamodb_stream_balances": "DynamoDB stream batch for the level pusher: a balance INSERT and a "
    "MODIFY written by the ledger (`changed_by` `ledger`), NEW_AND_OLD_IMAGES",
    "dynamodb_stream_pusher_ack": "a balance MODIFY written by the pusher's acknowledgement "
    "(`changed_by` `pusher`): the stream filter drops it",
    "schedule_nightly": "EventBridge Scheduled Event (the nightly reconcile, `cron(0 3 * * ? *)`)",
    "reconcile_direct": "direct invoke of the reconciler for one shop and ledger location",
}


def readme() -> str:
    rows = [f"| `{name}.json` | {text} |" for name, text in DESCRIPTIONS.items()]
    return README_TEMPLATE.format(table="\n".join(["| file | what it is |", "| --- | --- |", *rows]))


def write_events(out: Path, payloads: Path = DEFAULT_PAYLOADS) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, event in build_events(payloads).items():
        path = out / f"{name}.json"
        path.write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    readme_path = out / "README.md"
    readme_path.write_text(readme(), encoding="utf-8")
    written.append(readme_path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--payloads", type=Path, default=DEFAULT_PAYLOADS)
    args = parser.parse_args()
    for path in write_events(args.out, args.payloads):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
