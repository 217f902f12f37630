"""What the services need from the outside world, as abstract classes the adapters implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

# Annotations only: a function importing a port does not pay for every domain model (pydantic) at
# its cold start, only for the ones it uses.
from inventory_ledger.domain.merchant import (
    CONFIG_ONLY,
    MappingQuery,
)  # a default value (plain dataclasses, no pydantic)

if TYPE_CHECKING:
    from inventory_ledger.domain.catch_up import FetchedOrder
    from inventory_ledger.domain.credentials import ExpiringOfflineCredentials, TokenGrant, TokenState
    from inventory_ledger.domain.drift import HealingPolicy, ShopifyLevel
    from inventory_ledger.domain.ledger import ActivityEntry, Balance, LedgerChange, LevelKey, OrderLineState
    from inventory_ledger.domain.merchant import MerchantView
    from inventory_ledger.domain.nightly import MessageOutcome, NightlyPlan
    from inventory_ledger.domain.onboarding import ShopifyLocation, ShopifyVariant
    from inventory_ledger.domain.parking import ParkedEvent
    from inventory_ledger.domain.pushing import LevelPush, PushOutcome
    from inventory_ledger.domain.shopify_payloads import FulfillmentOrderRead, ReverseFulfillmentOrderRead
    from inventory_ledger.domain.subscriptions import WebhookSubscription
    from inventory_ledger.domain.webhooks import WebhookEnvelope


class ShopifyInventory(ABC):
    """One shop's Shopify inventory, as the pusher sees it."""

    @abstractmethod
    def set_available(self, pushes: Sequence[LevelPush], *, idempotency_key: str) -> dict[LevelKey, PushOutcome]:
        """One compare-and-swap call of at most 250 levels; raises TransientFailure or PushRefused."""

    @abstractmethod
    def read_available(self, pushes: Sequence[LevelPush]) -> dict[LevelKey, int | None]:
        """Shopify's `available` now at each push's level (None: not stocked there); raises
        TransientFailure or PushRefused. Tells a push Shopify applied whose answer was lost."""


class PushRefused(Exception):
    """Shopify refused the push for good (revoked token, invalid input): retrying will not help."""


class UnknownShop(LookupError):
    """No secret or configuration is stored for this shop: it is not a merchant of ours."""


class ConcurrentChange(Exception):
    """An item the change read has moved since: plan again from a fresh snapshot."""


class DuplicateEntry(Exception):
    """The change's entries exist already: the same business fact was applied before."""


class TransientFailure(Exception):
    """The store is throttling or unavailable: try the whole event again later."""


class ShopSecrets(ABC):
    @abstractmethod
    def webhook_secrets(self, shop_domain: str) -> Sequence[str]:
        """The shop's current webhook signing secrets; raises UnknownShop."""


class DeliveryRegistry(ABC):
    @abstractmethod
    def claim(self, webhook_id: str, shop_domain: str, at: datetime) -> bool:
        """Records the webhook id for the shop; False when it was seen for another shop."""


class MissingPayload(LookupError):
    """The stored body a queued envelope points at is gone (expired, deleted)."""


class PayloadStore(ABC):
    """Bodies too large for one queue message."""

    @abstractmethod
    def put(self, key: str, body: bytes) -> str:
        """Stores the body; returns the key the envelope carries."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The stored body; raises MissingPayload."""


class CredentialWriter(ABC):
    @abstractmethod
    def put(self, name: str, value: dict[str, object]) -> None:
        """Creates or replaces a secret (JSON)."""


class IngestQueue(ABC):
    @abstractmethod
    def send(self, envelope: WebhookEnvelope) -> str:
        """Queues one envelope for the ledger consumer; returns the queue's message id."""


class PushLater(ABC):
    @abstractmethod
    def push_later(self, delays: dict[LevelKey, int]) -> None:
        """Has each level pushed again after its delay (whole seconds, 1 to 900); TransientFailure if not."""


# The ledger's port, by the role of its callers: each use case can ask for only the role it plays.
# LedgerRepository is all of them: one table, one adapter (DynamoDbLedger), one fake (InMemoryLedger).


class BalanceReads(ABC):
    @abstractmethod
    def balances(self, keys: Iterable[LevelKey]) -> dict[LevelKey, Balance]:
        """The current balances (strongly consistent); a level never written is absent."""


@dataclass(frozen=True)
class ReadAhead:
    """What an order or refund event reads before its first plan (merchant_view_lines_and_balances):
    the merchant's view for its mappings, then those lines of its order and the balances of the
    levels ``keys_for`` names on that view."""

    request: MappingQuery
    order_id: int
    line_item_ids: Sequence[int]
    keys_for: Callable[[MerchantView], Iterable[LevelKey]]


@dataclass(frozen=True)
class BatchReadAhead:
    """What a queue batch's order and refund events of one shop read before their first plans
    (merchant_views_lines_and_balances): a view per event, the lines asked for (by order id) and the
    balances of the levels ``keys_for`` names on those views."""

    requests: Sequence[MappingQuery]
    line_item_ids: Mapping[int, Iterable[int]]
    keys_for: Callable[[list[MerchantView | None]], Iterable[LevelKey]]


class ApplyingLedger(BalanceReads):
    """Applying an event or an operator's movement: the consumer, the catch-up, onboarding, the CLI."""

    @abstractmethod
    def merchant_view(self, shop: str, wanted: MappingQuery = CONFIG_ONLY) -> MerchantView | None:
        """The merchant's configuration and the mappings asked for; None for an unknown shop."""

    def merchant_views(self, shop: str, requests: Sequence[MappingQuery]) -> list[MerchantView | None]:
        """``merchant_view`` for each query, each view holding only what its query asked for; one
        round trip for all of them where the backend allows."""
        return [self.merchant_view(shop, request) for request in requests]

    @abstractmethod
    def order_lines(self, shop: str, order_id: int) -> dict[tuple[int, int], OrderLineState]:
        """What the ledger has done for each line of an order (strongly consistent)."""

    def lines_and_balances(
        self, shop: str, order_id: int, line_item_ids: Iterable[int], keys: Iterable[LevelKey]
    ) -> tuple[dict[tuple[int, int], OrderLineState], dict[LevelKey, Balance]]:
        """Those lines of an order and those balances, strongly consistent; one round trip where the
        backend allows (lines never written and levels never written are absent)."""
        wanted = {(order_id, line_item_id) for line_item_id in line_item_ids}
        lines = {ids: line for ids, line in self.order_lines(shop, order_id).items() if ids in wanted}
        return lines, self.balances(keys)

    def merchant_view_lines_and_balances(
        self, shop: str, ahead: ReadAhead
    ) -> tuple[MerchantView | None, dict[tuple[int, int], OrderLineState], dict[LevelKey, Balance]]:
        """``merchant_view`` for the request, then ``lines_and_balances`` of the levels ``keys_for``
        names on that view (nothing more for an unknown shop); one round trip where the backend allows."""
        views, lines, balances = self.merchant_views_lines_and_balances(
            shop,
            BatchReadAhead(
                [ahead.request],
                {ahead.order_id: ahead.line_item_ids},
                lambda found: ahead.keys_for(found[0]) if found[0] else (),
            ),
        )
        return views[0], lines, balances

    def merchant_views_lines_and_balances(
        self, shop: str, ahead: BatchReadAhead
    ) -> tuple[list[MerchantView | None], dict[tuple[int, int], OrderLineState], dict[LevelKey, Balance]]:
        """``merchant_views`` for the requests, then ``orders_lines_and_balances`` of the levels
        ``keys_for`` names on those views (nothing more for an unknown shop): a queue batch's events of
        one shop read in one round trip where the backend allows."""
        views = self.merchant_views(shop, ahead.requests)
        if all(view is None for view in views):
            return views, {}, {}
        return views, *self.orders_lines_and_balances(shop, ahead.line_item_ids, ahead.keys_for(views))

    def orders_lines_and_balances(
        self, shop: str, line_item_ids: Mapping[int, Iterable[int]], keys: Iterable[LevelKey]
    ) -> tuple[dict[tuple[int, int], OrderLineState], dict[LevelKey, Balance]]:
        """``lines_and_balances`` for several orders of one shop (line ids by order id) at once."""
        lines: dict[tuple[int, int], OrderLineState] = {}
        for order_id, ids in line_item_ids.items():
            lines.update(self.lines_and_balances(shop, order_id, ids, ())[0])
        return lines, self.balances(keys)

    @abstractmethod
    def commit(self, change: LedgerChange) -> None:
        """Writes the change atomically; raises ConcurrentChange, DuplicateEntry or TransientFailure."""

    @abstractmethod
    def entries(self, key: LevelKey) -> list[ActivityEntry]:
        """A level's activity, oldest first."""

    @abstractmethod
    def park(self, event: ParkedEvent) -> None:
        """Keeps an event we cannot apply (yet); parking the same event again replaces it."""

    @abstractmethod
    def parked_events(self, shop: str) -> list[ParkedEvent]:
        """Every event parked for a shop, waiting ones included, oldest first."""

    @abstractmethod
    def waiting_for_order(self, shop: str, order_id: int) -> list[ParkedEvent]:
        """Events parked until this order reaches the ledger."""

    @abstractmethod
    def parked_unreadable(self, shop: str, limit: int) -> list[ParkedEvent]:
        """At most ``limit`` of the shop's events parked because Shopify could not be read for them."""

    @abstractmethod
    def unpark(self, event: ParkedEvent) -> None:
        """Removes a parked event once it has been applied."""

    @abstractmethod
    def record_shopify_observation(self, key: LevelKey, available: int, at: datetime) -> None:
        """Shopify reported an `available` we did not expect (inventory_levels/update)."""


class PushingLedger(BalanceReads):
    """What the pusher and the re-push sweep learn (written as changed_by=pusher: never triggers a push)."""

    @abstractmethod
    def acknowledge_push(self, push: LevelPush, at: datetime) -> bool:
        """Shopify now shows push.quantity: moves shopify_expected by the change and records the
        version. Never moves the acknowledged version backwards; False when a newer one is there."""

    def acknowledge_pushes(self, pushes: Sequence[LevelPush], at: datetime) -> list[bool]:
        """acknowledge_push for each push (they are independent: adapters may write them at once)."""
        return [self.acknowledge_push(push, at) for push in pushes]

    @abstractmethod
    def record_stale_push(self, push: LevelPush, at: datetime) -> None:
        """Shopify refused the compare-and-swap: remember since when, for the reconciler."""

    @abstractmethod
    def record_unpushable(self, key: LevelKey, reason: str, at: datetime) -> None:
        """The level cannot be pushed (its location or SKU is not mapped): say why, for operators."""

    # -- levels set aside for a re-push (Shopify down, throttled, credentials lost) ------------------

    @abstractmethod
    def mark_for_repush(self, key: LevelKey, reason: str, at: datetime, *, failed: bool = True) -> None:
        """Keeps the level in the shop's re-push set until a push of it succeeds; ``failed``: the push
        failed for now (`push_status = failed` on the balance), else it was stale (the balance keeps its
        stale mark, the sweep catches up first). Raises TransientFailure."""

    @abstractmethod
    def repush_marks(self, shop: str) -> list[LevelKey]:
        """The shop's levels waiting for a re-push, in key order."""

    @abstractmethod
    def clear_repush(self, key: LevelKey, failed_before: datetime) -> bool:
        """The level was pushed (or needs no push any more): out of the re-push set, unless it failed
        again at or after ``failed_before`` (a newer mark stays). False when the mark stayed."""


class ReconcilingLedger(BalanceReads):
    """What the reconciler reads and learns (never changed_by=ledger either)."""

    @abstractmethod
    def balances_at(self, shop: str, location: str, skus: Iterable[str]) -> Iterator[Balance]:
        """The balances of these SKUs at one location, streamed (strongly consistent); absent ones skipped."""

    @abstractmethod
    def record_drift(self, key: LevelKey, at: datetime) -> None:
        """The reconciler saw the level disagree with Shopify: keeps the first time it did."""

    @abstractmethod
    def record_agreement(self, key: LevelKey, at: datetime) -> None:
        """A level that drifted agrees again: stamps last_agreed_at and clears the drift mark."""

    @abstractmethod
    def acknowledge_heal(self, push: LevelPush, expected_read: int, entry: ActivityEntry) -> bool:
        """Shopify now shows push.quantity after a heal (CAS from the level the reconciler read).

        ADDs ``push.quantity - expected_read`` to shopify_expected, so movements applied since the read
        stay counted, clears the drift and stale marks, and appends ``entry`` (append-only) in the same
        transaction. False when the entry exists already (the heal was recorded before).
        """


class LedgerRepository(ApplyingLedger, PushingLedger, ReconcilingLedger):
    """Every role of the ledger at once (the adapter, the fake, and use cases that play several roles)."""


# At or above this many mapped SKUs a shop's levels are read with one bulk query (no cost points,
# one file) instead of pages (a 250-level page costs ~750 points; a standard shop restores 100/s).
# Onboarding and the reconciler both decide `bulk` by it; RECONCILE_BULK_THRESHOLD_SKUS overrides it.
DEFAULT_BULK_THRESHOLD_SKUS = 2_000


class ShopifyLevels(ABC):
    """One shop's locations, variants and inventory levels, read from Shopify."""

    @abstractmethod
    def locations(self) -> list[ShopifyLocation]: ...

    @abstractmethod
    def variants(self) -> Iterator[ShopifyVariant]: ...

    @abstractmethod
    def levels(self, location_ids: Sequence[int], *, bulk: bool) -> Iterator[ShopifyLevel]:
        """Every level at these locations: paged queries, or one bulk query streamed line by line."""


class ShopifyOrders(ABC):
    """One shop's orders as Shopify holds them (the reconciler's catch-up)."""

    @abstractmethod
    def orders_updated_since(self, since: datetime) -> Iterator[FetchedOrder]:
        """Every order created or updated at or after ``since``; raises TransientFailure or PushRefused.
        An order Shopify returns that the ledger cannot read is skipped and logged, never raised."""

    @abstractmethod
    def order(self, order_id: int) -> FetchedOrder | None:
        """The order as Shopify holds it now (after returns/process), None when Shopify has none by that
        id; raises TransientFailure or PushRefused, and ValueError for one the ledger cannot read."""

    def fulfillment_orders(self) -> ShopifyFulfillmentOrders | None:
        """The same shop's fulfilment orders, for the moves an order the catch-up applies releases; None
        when this reader cannot read them (the moves then stay parked with the reason)."""
        return None


class ShopifyFulfillmentOrders(ABC):
    """One shop's fulfilment orders as Shopify holds them now (the consumer, after a routing or a move)."""

    @abstractmethod
    def fulfillment_order(self, fulfillment_order_id: int) -> FulfillmentOrderRead | None:
        """The fulfilment order, None when Shopify has none by that id; raises TransientFailure or
        PushRefused."""

    @abstractmethod
    def reverse_fulfillment_order(self, reverse_fulfillment_order_id: int) -> ReverseFulfillmentOrderRead | None:
        """The reverse fulfilment order with its lines' dispositions (after a dispose), None when Shopify
        has none by that id; raises TransientFailure or PushRefused."""

    def orders(self) -> ShopifyOrders | None:
        """The same shop's orders, read by id after returns/process; None when this reader cannot read
        them (the event is then parked with the reason)."""
        return None


# A shop's fulfilment orders (bootstrap.shopify_fulfillment_orders_for): what applying a move needs.
FulfillmentOrdersFor = Callable[[str], ShopifyFulfillmentOrders]


class ReportStore(ABC):
    @abstractmethod
    def put(self, key: str, body: bytes, content_type: str) -> str:
        """Stores one report object; returns where (s3://bucket/key)."""


class MappingConflict(ValueError):
    """A location or SKU is mapped to something else already: mappings are one-to-one both ways."""


class MerchantDirectory(ABC):
    """Merchants and their mappings; every write keeps location and SKU mappings one-to-one."""

    @abstractmethod
    def register_shop(self, shop: str, *, onboarded_at: datetime) -> None:
        """Creates the merchant if new; onboarding again keeps the first onboarding time."""

    @abstractmethod
    def shops(self) -> list[str]: ...

    @abstractmethod
    def map_location(self, shop: str, location: str, shopify_location_id: int, name: str = "") -> None:
        """Maps a ledger location to a Shopify location; raises MappingConflict if either side is taken."""

    @abstractmethod
    def set_primary_location(self, shop: str, location: str) -> None:
        """Online orders applied from now on take stock here; raises LookupError for an unmapped one."""

    @abstractmethod
    def map_sku(
        self, shop: str, sku: str, inventory_item_id: int, variant_id: int | None = None, *, tracked: bool = True
    ) -> None:
        """Maps a level's SKU part to its Shopify inventory item (and variant, so order lines find it
        by variant); raises MappingConflict if either side is taken."""

    @abstractmethod
    def locations(self, shop: str) -> dict[str, int]:
        """Ledger location -> Shopify location id."""

    @abstractmethod
    def skus(self, shop: str) -> dict[str, int]:
        """SKU -> Shopify inventory item id."""

    @abstractmethod
    def shopify_ids(
        self, shop: str, locations: Iterable[str], skus: Iterable[str]
    ) -> tuple[dict[str, int], dict[str, int]]:
        """For just these: ledger location -> Shopify location id, SKU -> inventory item id."""

    # -- reconciliation ---------------------------------------------------------------------------

    @abstractmethod
    def healing_policy(self, shop: str) -> HealingPolicy:
        """The merchant's policy (DEFAULT_HEALING_POLICY unless set); raises LookupError for an unknown shop."""

    @abstractmethod
    def set_healing_policy(self, shop: str, policy: str) -> None:
        """Stores a HealingPolicy (or its value, as an operator types it: ValueError for anything else) on
        the merchant; raises LookupError for an unknown shop."""

    @abstractmethod
    def location_reconciled_at(self, shop: str, location: str) -> datetime | None:
        """When the location was last reconciled in full (levels without a drift mark agreed then)."""

    @abstractmethod
    def record_location_reconciled(self, shop: str, location: str, at: datetime, run_id: str) -> None: ...

    @abstractmethod
    def onboarded_at(self, shop: str) -> datetime | None:
        """When the merchant was first onboarded; None for an unknown shop."""

    @abstractmethod
    def caught_up_at(self, shop: str) -> datetime | None:
        """Up to when the ledger holds every Shopify order movement (the last catch-up's cut-off)."""

    @abstractmethod
    def record_caught_up(self, shop: str, at: datetime) -> None:
        """Moves the caught-up instant forward (never back); raises LookupError for an unknown shop."""

    # -- the app's lifecycle (service/lifecycle.py) -------------------------------------------------

    def is_active(self, shop: str) -> bool:
        """False once the app was uninstalled from the shop (until it is onboarded again)."""
        return True


class ShopLifecycle(ABC):
    """What app/uninstalled and the compliance topics change and record."""

    @abstractmethod
    def mark_uninstalled(self, shop: str, at: datetime) -> None:
        """Stops pushes and reconciliation for the shop; its ledger is kept."""

    @abstractmethod
    def record_compliance(self, shop: str, topic: str, event_id: str, at: datetime, detail: str) -> None:
        """Keeps a record of a compliance request and what was done (idempotent per event)."""

    @abstractmethod
    def compliance_records(self, shop: str) -> list[dict[str, str]]: ...


class ShopifyWebhookSubscriptions(ABC):
    """One shop's shop-scoped webhook subscriptions (the app's toml ones are invisible here)."""

    @abstractmethod
    def subscriptions(self) -> list[WebhookSubscription]:
        """Every shop-scoped subscription of this app; raises TransientFailure or PushRefused."""

    @abstractmethod
    def create(self, topic: str, uri: str) -> WebhookSubscription | str:
        """The new subscription, or Shopify's userErrors as one line."""

    @abstractmethod
    def delete(self, subscription_id: str) -> str | None:
        """None when deleted, else Shopify's userErrors as one line."""


class NightlyRunLog(ABC):
    """The nightly run's plan and each message's outcome, kept for the summary after the window."""

    @abstractmethod
    def record_plan(self, plan: NightlyPlan) -> None: ...

    @abstractmethod
    def latest_plan(self, since: datetime) -> NightlyPlan | None:
        """The most recent plan started at or after `since`, if any."""

    @abstractmethod
    def plan(self, run_id: str) -> NightlyPlan | None: ...

    @abstractmethod
    def record_started(self, run_id: str, shop: str, location: str | None, at: datetime) -> None:
        """Counts an attempt; never undoes a recorded success (a duplicate delivery after it)."""

    @abstractmethod
    def record_outcome(self, run_id: str, outcome: MessageOutcome, at: datetime) -> None:
        """A failure never overwrites a recorded success."""

    @abstractmethod
    def outcomes(self, run_id: str) -> list[MessageOutcome]: ...


class TokenStore(Protocol):
    def read(self, shop: str) -> TokenState | None: ...

    def save_grant(self, shop: str, grant: TokenGrant, now: float) -> TokenState:
        """After an install: stores the tokens whatever is there (a new version)."""
        ...

    def try_lease(self, shop: str, version: int, owner: str, now: float, until: float) -> bool:
        """Takes the shop's refresh lease if the state is still ``version`` and no live lease exists."""
        ...

    def complete(self, shop: str, version: int, grant: TokenGrant, now: float) -> TokenState | None:
        """Stores a refresh's result as ``version + 1`` if the state is still ``version``; None otherwise."""
        ...

    def release(self, shop: str, owner: str) -> None: ...


class CodeExchange(Protocol):
    """Shopify's token endpoint, as the install flow needs it: an authorization code for tokens."""

    def exchange_code(self, shop: str, credentials: ExpiringOfflineCredentials, code: str) -> TokenGrant: ...
