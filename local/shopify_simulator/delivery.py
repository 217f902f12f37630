"""Webhook delivery: at least once, signed, with the modes a test asks for.

Shopify delivers at least once, in no promised order, sometimes late; a failed delivery (non-2xx,
timeout) is retried 8 times over 4 hours with exponential backoff, each retry carrying the
original payload; every attempt has a new X-Shopify-Webhook-Id while X-Shopify-Event-Id is the
same for every delivery of one event. Sources: https://shopify.dev/changelog/updates-to-webhook-retry-mechanism,
https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates. Shopify does not publish the
individual retry intervals; we double from ~56 s so the 8 retries add up to 4 hours.

Scheduling runs on the simulator's clock: with a ManualClock, a test advances time and the worker
sends what has come due, so no test sleeps for timing.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from .state import Shop, SimulatorState
from .webhooks import sign

RETRY_COUNT = 8
RETRY_WINDOW_S = 4 * 3600
_BASE = RETRY_WINDOW_S / (2**RETRY_COUNT - 1)
RETRY_SCHEDULE_S = tuple(_BASE * 2**i for i in range(RETRY_COUNT))


@dataclass
class Subscription:
    id: int
    shop: str
    topic: str
    address: str
    consecutive_failures: int = 0


@dataclass
class Event:
    event_id: str
    shop: str
    topic: str
    body: bytes
    triggered_at: float
    api_version: str
    secret: str


@dataclass
class Pending:
    event: Event
    subscription: Subscription
    attempt: int
    due: float
    seq: int


@dataclass
class Attempt:
    webhook_id: str
    event_id: str
    topic: str
    address: str
    attempt: int
    at: float
    status_code: int | None
    error: str | None
    body: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DeliveryMode:
    hold: bool = False  # keep new deliveries until flushed
    duplicate: int = 0  # extra copies of every delivery (same event id, new webhook ids)
    delay_s: float = 0.0  # every first attempt waits this long (simulator clock)
    retry: bool = True
    retry_compression: float = 1.0  # multiply Shopify's retry intervals (e.g. 0.001 for tests on a real clock)


@dataclass
class _ShopDelivery:
    subscriptions: list[Subscription] = field(default_factory=list)
    mode: DeliveryMode = field(default_factory=DeliveryMode)
    held: list[Pending] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class DeliveryEngine:
    def __init__(self, state: SimulatorState, poll_interval_s: float = 0.01) -> None:
        self.state = state
        self._cond = threading.Condition()
        self._shops: dict[str, _ShopDelivery] = {}
        self._pending: list[Pending] = []
        self._in_flight = 0
        self._seq = 0
        self._sub_ids = 0
        self._stop = threading.Event()
        self._poll = poll_interval_s
        self._thread: threading.Thread | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, connect=1.0), trust_env=False)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._client.close()

    def reset(self) -> None:
        with self._cond:
            self._shops.clear()
            self._pending.clear()

    def _shop(self, domain: str) -> _ShopDelivery:
        return self._shops.setdefault(domain, _ShopDelivery())

    # -- configuration -------------------------------------------------------------------------
    def subscribe(self, shop: str, topic: str, address: str) -> Subscription:
        with self._cond:
            self._sub_ids += 1
            sub = Subscription(self._sub_ids, shop, topic, address)
            self._shop(shop).subscriptions.append(sub)
            return sub

    def subscriptions(self, shop: str) -> list[Subscription]:
        with self._cond:
            return list(self._shop(shop).subscriptions)

    def unsubscribe(self, shop: str, sub_id: int) -> bool:
        with self._cond:
            subs = self._shop(shop).subscriptions
            before = len(subs)
            subs[:] = [s for s in subs if s.id != sub_id]
            return len(subs) != before

    def set_mode(self, shop: str, mode: DeliveryMode) -> None:
        with self._cond:
            self._shop(shop).mode = mode

    def mode(self, shop: str) -> DeliveryMode:
        with self._cond:
            return self._shop(shop).mode

    # -- events --------------------------------------------------------------------------------
    def emit(self, shop: Shop, topic: str, body: dict[str, Any]) -> None:
        """Called by the simulator (under its state lock): enqueue, never block on the network."""
        now = self.state.clock.now()
        event = Event(
            event_id=str(uuid.uuid4()),
            shop=shop.domain,
            topic=topic,
            body=json.dumps(body, separators=(",", ":")).encode(),
            triggered_at=now,
            api_version=shop.webhook_api_version,
            secret=shop.webhook_secret,
        )
        with self._cond:
            sd = self._shop(shop.domain)
            sd.events.append(event)
            for sub in sd.subscriptions:
                if sub.topic != topic:
                    continue
                for _ in range(1 + max(sd.mode.duplicate, 0)):
                    self._seq += 1
                    pending = Pending(event, sub, 1, now + sd.mode.delay_s, self._seq)
                    (sd.held if sd.mode.hold else self._pending).append(pending)
            self._cond.notify_all()

    def flush(self, shop: str, shuffle_seed: int | None = None, *, reverse: bool = False) -> int:
        """Release held deliveries: in order, newest first, or shuffled with `shuffle_seed`."""
        now = self.state.clock.now()
        with self._cond:
            sd = self._shop(shop)
            held, sd.held = sd.held, []
            if reverse:
                held.reverse()
            if shuffle_seed is not None:
                random.Random(shuffle_seed).shuffle(held)
            for p in held:
                self._seq += 1
                p.seq = self._seq
                # Released now: the release order decides among what is due (a delay still holds).
                p.due = max(p.due, now)
                self._pending.append(p)
            self._cond.notify_all()
            return len(held)

    def events(self, shop: str) -> list[Event]:
        with self._cond:
            return list(self._shop(shop).events)

    def attempts(self, shop: str) -> list[Attempt]:
        with self._cond:
            return list(self._shop(shop).attempts)

    def held_count(self, shop: str) -> int:
        with self._cond:
            return len(self._shop(shop).held)

    def pending_count(self) -> int:
        with self._cond:
            return len(self._pending) + self._in_flight

    def idle(self) -> bool:
        """Nothing due now and nothing being sent (future retries do not count)."""
        now = self.state.clock.now()
        with self._cond:
            return self._in_flight == 0 and not any(p.due <= now for p in self._pending)

    # -- worker --------------------------------------------------------------------------------
    def _next_due(self) -> Pending | None:
        now = self.state.clock.now()
        due = [p for p in self._pending if p.due <= now]
        if not due:
            return None
        chosen = min(due, key=lambda p: (p.due, p.seq))
        self._pending.remove(chosen)
        self._in_flight += 1
        return chosen

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                item = self._next_due()
                if item is None:
                    # Poll: a ManualClock moves without telling us.
                    self._cond.wait(timeout=self._poll)
                    continue
            try:
                self._deliver(item)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _deliver(self, item: Pending) -> None:
        event, sub = item.event, item.subscription
        webhook_id = str(uuid.uuid4())
        triggered = datetime.fromtimestamp(event.triggered_at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": event.topic,
            "X-Shopify-Shop-Domain": event.shop,
            "X-Shopify-API-Version": event.api_version,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Event-Id": event.event_id,
            "X-Shopify-Triggered-At": triggered,
            "X-Shopify-Hmac-Sha256": sign(event.body, event.secret),
        }
        status: int | None = None
        error: str | None = None
        try:
            response = self._client.post(sub.address, content=event.body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        now = self.state.clock.now()
        ok = status is not None and 200 <= status < 300
        with self._cond:
            sd = self._shop(event.shop)
            sd.attempts.append(
                Attempt(
                    webhook_id,
                    event.event_id,
                    event.topic,
                    sub.address,
                    item.attempt,
                    now,
                    status,
                    error,
                    event.body.decode(),
                )
            )
            sub.consecutive_failures = 0 if ok else sub.consecutive_failures + 1
            if not ok and sd.mode.retry and item.attempt <= RETRY_COUNT:
                wait = RETRY_SCHEDULE_S[item.attempt - 1] * sd.mode.retry_compression
                self._seq += 1
                self._pending.append(Pending(event, sub, item.attempt + 1, now + wait, self._seq))
