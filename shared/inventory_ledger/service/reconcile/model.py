"""What a reconciliation run is given and what it records: options, dependencies, per-location counts."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from inventory_ledger.clock import Now
from inventory_ledger.domain.catch_up import CATCH_UP_WINDOW
from inventory_ledger.domain.drift import (
    DEFAULT_SETTLE_WINDOW,
    DriftRow,
    HealingPolicy,
)
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.subscriptions import SubscriptionCheck
from inventory_ledger.domain.waiting_refunds import REFUND_WAIT_DEADLINE
from inventory_ledger.ports import (
    DEFAULT_BULK_THRESHOLD_SKUS,
    FulfillmentOrdersFor,
    LedgerRepository,
    MerchantDirectory,
    ReportStore,
    ShopifyInventory,
    ShopifyLevels,
    ShopifyOrders,
)


@dataclass(frozen=True)
class ReconcileOptions:
    settle_window: timedelta = DEFAULT_SETTLE_WINDOW
    bulk_threshold_skus: int = DEFAULT_BULK_THRESHOLD_SKUS
    # None: the merchant's stored policy; True/False: this run heals or only reports, whatever it says.
    heal: bool | None = None
    run_id: str | None = None
    # A refund waiting for its order longer than this is settled by the deadline rule (and alarmed).
    refund_wait_deadline: timedelta = REFUND_WAIT_DEADLINE
    # How long the catch-up may read Shopify's orders before it stops and says it did not finish.
    catch_up_window: timedelta = CATCH_UP_WINDOW


@dataclass
class LocationResult:
    location: str
    shopify_location_id: int
    checked: int = 0
    in_flight: int = 0
    drifted: int = 0
    drift_units: int = 0
    healed: int = 0
    heal_stale: int = 0
    heal_skipped: int = 0
    adopted: int = 0


REPORT_ONLY = "report only"


@dataclass
class ShopRun:
    run_id: str
    shop: str
    started_at: datetime
    read_mode: str
    healing: HealingPolicy
    locations: list[LocationResult] = field(default_factory=list)
    rows: list[DriftRow] = field(default_factory=list)
    # Per drifted level: "healed", "stale" (Shopify moved again: left for the next run) or why not.
    heal_notes: dict[LevelKey, str] = field(default_factory=dict)
    # The catch-up's figures (orders read, webhooks missed, ...), or why it could not run.
    catch_up: dict[str, Any] = field(default_factory=dict)
    # Refunds waiting for their order: how many, how many past the deadline, settled or left parked.
    waiting_refunds: dict[str, Any] = field(default_factory=dict)
    # Events parked shopify_unreadable replayed before the levels were judged (service/replay_unreadable.py).
    replays: dict[str, Any] = field(default_factory=dict)
    finished_at: datetime | None = None
    seconds: float = 0.0
    # Keys of the report's objects in the report bucket (JSON, CSV).
    report_uris: list[str] = field(default_factory=list)
    # The shop's webhook subscriptions as checked this run (None: not checked); the topics missing.
    webhook_subscriptions: dict[str, Any] | None = None
    subscriptions_missing: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(location, name)) for location in self.locations)

    def heal_note(self, key: LevelKey) -> str:
        """What the run did with a drifted level; none recorded: the policy let it only report it."""
        return self.heal_notes.get(key, REPORT_ONLY)

    def not_healed(self) -> dict[str, str]:
        notes = ((f"{row.location}/{row.sku}", self.heal_note(row.key)) for row in self.rows)
        return {level: note for level, note in notes if note != "healed" and not note.startswith("adopted")}

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "shop": self.shop,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "seconds": round(self.seconds, 3),
            "read_mode": self.read_mode,
            "healing": self.healing.value,
            "levels_checked": self.total("checked"),
            "in_flight": self.total("in_flight"),
            "drifted": self.total("drifted"),
            "drift_units": self.total("drift_units"),
            "healed": self.total("healed"),
            "heal_stale": self.total("heal_stale"),
            "adopted": self.total("adopted"),
            # Drifted levels left as they were, and why (the report's `healed` column): "LOCATION/SKU" -> note.
            "not_healed": self.not_healed(),
            "catch_up": dict(self.catch_up),
            "waiting_refunds": dict(self.waiting_refunds),
            **({"replays": dict(self.replays)} if self.replays else {}),
            # Shopify ids as strings: they exceed 2^53, which JSON readers may hold as doubles.
            "locations": [{**vars(loc), "shopify_location_id": str(loc.shopify_location_id)} for loc in self.locations],
            "reports": list(self.report_uris),
            **({"webhook_subscriptions": self.webhook_subscriptions} if self.webhook_subscriptions else {}),
        }


@dataclass(frozen=True)
class ReconcileDependencies:
    ledger: LedgerRepository
    directory: MerchantDirectory
    shopify_levels: Callable[[str], ShopifyLevels]
    shopify_inventory: Callable[[str], ShopifyInventory]
    reports: ReportStore | None
    now: Now
    # None: no catch-up (levels are judged on what the webhooks brought alone).
    shopify_orders: Callable[[str], ShopifyOrders] | None = None
    # None: the shop's webhook subscriptions are not checked (service/webhook_subscriptions.py).
    webhook_subscriptions: Callable[[str], SubscriptionCheck] | None = None
    # None: events parked shopify_unreadable are left to the pusher's sweep (service/replay_unreadable.py).
    fulfillment_orders: FulfillmentOrdersFor | None = None


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
