"""LedgerRepository on one DynamoDB table: a change is one TransactWriteItems, conditioned on versions."""

import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from itertools import batched
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from inventory_ledger.adapters.dynamodb import items
from inventory_ledger.adapters.dynamodb.client import TRANSIENT_CODES, DynamoDbTable, error_code
from inventory_ledger.clock import utc_now
from inventory_ledger.domain.ledger import (
    ActivityEntry,
    Balance,
    BalanceUpdate,
    LedgerChange,
    LevelKey,
    LineUpdate,
    OrderLineState,
    PushStatus,
)
from inventory_ledger.domain.merchant import CONFIG_ONLY, MappingQuery, MerchantView
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.domain.webhooks import READ_FROM_SHOPIFY_TOPICS
from inventory_ledger.ports import BatchReadAhead, ConcurrentChange, DuplicateEntry, LedgerRepository, TransientFailure

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Pusher acknowledgements per TransactWriteItems (its cap), and writes of one Shopify call's
# acknowledgements (up to 250 levels) in flight at once.
ACK_TRANSACTION_ITEMS = 100
ACK_CONCURRENCY = 16
# How long a container uses a merchant's config and mapping items as it read them. Mappings are
# one-to-one and set at onboarding; a mapping added later is read on its first miss, and a changed
# primary location is seen within this long.
MAPPING_TTL_SECONDS = 30.0


class DynamoDbLedger(DynamoDbTable, LedgerRepository):
    def __init__(
        self,
        table_name: str,
        client: "DynamoDBClient | None" = None,
        *,
        ack_transaction_items: int = ACK_TRANSACTION_ITEMS,
    ) -> None:
        self.ack_transaction_items = ack_transaction_items
        super().__init__(table_name, client)
        self.write_units = 0.0
        self._mappings: dict[str, dict[str, tuple[float, items.Item]]] = {}

    # -- reads ---------------------------------------------------------------------------------

    def _query(self, pk: str, sk_prefix: str) -> Iterator[items.Item]:
        return self._query_prefix(pk, sk_prefix, consistent=True)

    def merchant_view(self, shop: str, wanted: MappingQuery = CONFIG_ONLY) -> MerchantView | None:
        return self.merchant_views(shop, [wanted])[0]

    def merchant_views(self, shop: str, requests: Sequence[MappingQuery]) -> list[MerchantView | None]:
        wanted = [_mapping_sort_keys(request) for request in requests]
        found = self._mapping_items(shop, set().union(*wanted))
        config = found.get(items.CONFIG_SK)
        if config is None:
            return [None] * len(requests)
        return [
            items.merchant_view_from_items(shop, config, [found[sk] for sk in sort_keys if sk in found])
            for sort_keys in wanted
        ]

    def _mapping_items(self, shop: str, sort_keys: set[str]) -> dict[str, items.Item]:
        # The mapping items this container read in the last MAPPING_TTL_SECONDS are used as read; only
        # the rest is read (one BatchGetItem), and what is not found is asked for again next time.
        found = self._cached_mappings(shop, sort_keys)
        missing = sort_keys - found.keys()
        if missing:
            read = self._batch_get([items.shop_key(shop, sk) for sk in sorted(missing)], consistent=True)
            found.update(self._cache_mappings(shop, read))
        return found

    def _cached_mappings(self, shop: str, sort_keys: set[str]) -> dict[str, items.Item]:
        cached, now = self._mappings.setdefault(shop, {}), time.monotonic()
        return {sk: cached[sk][1] for sk in sort_keys if sk in cached and now - cached[sk][0] < MAPPING_TTL_SECONDS}

    def _cache_mappings(self, shop: str, found: Iterable[items.Item]) -> dict[str, items.Item]:
        cached, now = self._mappings.setdefault(shop, {}), time.monotonic()
        read = {item["sk"]: item for item in found}
        cached.update({sk: (now, item) for sk, item in read.items()})
        return read

    def merchant_views_lines_and_balances(
        self, shop: str, ahead: BatchReadAhead
    ) -> tuple[list[MerchantView | None], dict[tuple[int, int], OrderLineState], dict[LevelKey, Balance]]:
        # One BatchGetItem for the mapping items not cached, the orders' lines and the balances of the
        # levels the views from the cached items name (what is not cached is most often a mapping that
        # does not exist: a variant or SKU not mapped, asked for again each time). Should the read find
        # one, the levels of the views it completes that were not read are read after.
        wanted_keys = [_mapping_sort_keys(request) for request in ahead.requests]
        line_item_ids, keys_for = ahead.line_item_ids, ahead.keys_for
        sort_keys: set[str] = set().union(*wanted_keys)
        cached = self._cached_mappings(shop, sort_keys)
        config = cached.get(items.CONFIG_SK)
        if config is None:  # a shop not seen lately, or not a merchant: its views first
            return super().merchant_views_lines_and_balances(shop, ahead)

        def views(found: Mapping[str, items.Item]) -> list[MerchantView | None]:
            return [
                items.merchant_view_from_items(shop, config, [found[sk] for sk in keys if sk in found])
                for keys in wanted_keys
            ]

        guessed = set(keys_for(views(cached)))
        order_pks = {items.order_pk(shop, order_id) for order_id in line_item_ids}
        keys = [items.shop_key(shop, sk) for sk in sorted(sort_keys - cached.keys())]
        keys += [
            items.to_attributes({"pk": items.order_pk(shop, order_id), "sk": items.LINE.of(i)})
            for order_id, ids in line_item_ids.items()
            for i in set(ids)
        ]
        keys += [items.balance_key(key) for key in guessed]
        mappings, lines, balances = [], {}, {}
        for item in self._batch_get(keys, consistent=True):
            if item["pk"] in order_pks:
                line = items.line_from_item(item)
                lines[(line.order_id, line.line_item_id)] = line
            elif item["sk"] == items.BALANCE_SK:
                balance = items.balance_from_item(item)
                balances[balance.key] = balance
            else:
                mappings.append(item)
        found = views({**cached, **self._cache_mappings(shop, mappings)})
        wanted = set(keys_for(found))
        if wanted - guessed:
            balances.update(self.balances(wanted - guessed))
        return found, lines, {key: balance for key, balance in balances.items() if key in wanted}

    def order_lines(self, shop: str, order_id: int) -> dict[tuple[int, int], OrderLineState]:
        lines = (items.line_from_item(item) for item in self._query(items.order_pk(shop, order_id), items.LINE_PREFIX))
        return {(line.order_id, line.line_item_id): line for line in lines}

    def balances(self, keys: Iterable[LevelKey]) -> dict[LevelKey, Balance]:
        found = (
            items.balance_from_item(item)
            for item in self._batch_get([items.balance_key(k) for k in set(keys)], consistent=True)
        )
        return {balance.key: balance for balance in found}

    def lines_and_balances(
        self, shop: str, order_id: int, line_item_ids: Iterable[int], keys: Iterable[LevelKey]
    ) -> tuple[dict[tuple[int, int], OrderLineState], dict[LevelKey, Balance]]:
        return self.orders_lines_and_balances(shop, {order_id: line_item_ids}, keys)

    def orders_lines_and_balances(
        self, shop: str, line_item_ids: Mapping[int, Iterable[int]], keys: Iterable[LevelKey]
    ) -> tuple[dict[tuple[int, int], OrderLineState], dict[LevelKey, Balance]]:
        # One BatchGetItem for both (up to 100 keys a call): the lines are the orders', by id.
        order_pks = {items.order_pk(shop, order_id) for order_id in line_item_ids}
        line_keys = [
            items.to_attributes({"pk": items.order_pk(shop, order_id), "sk": items.LINE.of(i)})
            for order_id, ids in line_item_ids.items()
            for i in set(ids)
        ]
        lines: dict[tuple[int, int], OrderLineState] = {}
        balances: dict[LevelKey, Balance] = {}
        for item in self._batch_get(line_keys + [items.balance_key(key) for key in set(keys)], consistent=True):
            if item["pk"] in order_pks:
                line = items.line_from_item(item)
                lines[(line.order_id, line.line_item_id)] = line
            else:
                balance = items.balance_from_item(item)
                balances[balance.key] = balance
        return lines, balances

    def entries(self, key: LevelKey) -> list[ActivityEntry]:
        entries = [items.entry_from_item(item) for item in self._query(items.level_pk(key), items.ENTRY_PREFIX)]
        return sorted(entries, key=lambda entry: (entry.version_after, entry.applied_at))

    # -- the change ----------------------------------------------------------------------------

    def commit(self, change: LedgerChange) -> None:
        # When the change happened: its entries' instant, from the clock the use case was given.
        changed_at = max((entry.applied_at for entry in change.entries), default=None) or utc_now()
        operations = [self._balance_update(u, changed_at) for u in change.balances]
        operations += [self._line_update(u) for u in change.lines]
        first_entry = len(operations)
        operations += [self._entry_put(e) for e in change.entries]
        try:
            response = self.client.transact_write_items(
                TransactItems=operations,  # type: ignore[arg-type]
                ReturnConsumedCapacity="TOTAL",
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "TransactionCanceledException":
                reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
                _raise_for_cancellation(reasons, first_entry)
            if code in TRANSIENT_CODES:
                raise TransientFailure(code) from error
            raise
        # What the table charged, for the benchmark and the WriteUnits metric.
        self.write_units += sum(c.get("CapacityUnits", 0.0) for c in response.get("ConsumedCapacity", []))

    def _balance_update(self, update: BalanceUpdate, changed_at: datetime) -> dict[str, Any]:
        key = update.key
        condition = "attribute_not_exists(version)" if update.expected_version == 0 else "version = :expected"
        values: dict[str, Any] = {
            ":dq": update.quantity_delta,
            ":de": update.shopify_expected_delta,
            ":versions": update.version_delta,
            ":type": "balance",
            ":by": "ledger",
            ":shop": key.shop,
            ":location": key.location,
            ":sku": key.sku,
        }
        if update.expected_version:
            values[":expected"] = update.expected_version
        imported = ""
        if update.imported_at is not None:
            values[":imported"] = update.imported_at.isoformat()
            imported = ", imported_at = if_not_exists(imported_at, :imported)"
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": items.balance_key(key),
                # ADD, never read-modify-write: the condition only guards the version we planned on.
                "UpdateExpression": "ADD quantity :dq, shopify_expected :de, version :versions "
                "SET item_type = :type, changed_by = :by, shop = :shop, #location = :location, sku = :sku, "
                "updated_at = :now" + imported,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#location": "location"},
                "ExpressionAttributeValues": items.to_attributes({**values, ":now": changed_at.isoformat()}),
            }
        }

    def _line_update(self, update: LineUpdate) -> dict[str, Any]:
        condition = "attribute_not_exists(version)" if update.expected_version == 0 else "version = :expected"
        values: dict[str, Any] = {
            ":sold": update.sold_delta,
            ":restocked": update.restocked_delta,
            ":cancel_restocked": update.cancel_restocked_delta,
            ":one": 1,
            ":type": "order_line",
            ":shop": update.shop,
            ":order": str(update.order_id),
            ":line": str(update.line_item_id),
            ":sku": update.sku,
            ":location": update.location,
        }
        add = "ADD sold :sold, restocked :restocked, cancel_restocked :cancel_restocked, version :one"
        if update.shipped_away_delta:
            values[":shipped_away"] = update.shipped_away_delta
            add += ", shipped_away :shipped_away"
        if update.applied:
            values[":applied"] = set(update.applied)
            add += ", applied :applied"
        if update.expected_version:
            values[":expected"] = update.expected_version
        # A line keeps the location it was sold at, unless its open units were moved (fulfilment_moves.py).
        location = ":location" if update.relocated else "if_not_exists(#location, :location)"
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": items.to_attributes(
                    {
                        "pk": items.order_pk(update.shop, update.order_id),
                        "sk": items.LINE.of(update.line_item_id),
                    }
                ),
                "UpdateExpression": f"{add} SET item_type = :type, shop = :shop, order_id = :order, "
                f"line_item_id = :line, sku = if_not_exists(sku, :sku), #location = {location}",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#location": "location"},
                "ExpressionAttributeValues": items.to_attributes(values),
            }
        }

    def _entry_put(self, entry: ActivityEntry) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": items.to_attributes(items.entry_item(entry)),
                # Append-only: an entry is written once, by the first delivery of its business fact.
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    # -- parked events -------------------------------------------------------------------------

    def park(self, event: ParkedEvent) -> None:
        item = items.parked_item(event)
        self._call(self.client.put_item, TableName=self.table_name, Item=items.to_attributes(item))
        if event.waiting_for_order is not None:
            pointer = {
                **item,
                "pk": items.order_pk(event.shop, event.waiting_for_order),
                "sk": items.WAITING.of(event.event_id),
            }
            self._call(self.client.put_item, TableName=self.table_name, Item=items.to_attributes(pointer))
        unreadable = {**item, "sk": items.UNREADABLE.of(event.event_id)}
        if event.shopify_unreadable:
            self._call(self.client.put_item, TableName=self.table_name, Item=items.to_attributes(unreadable))
        elif event.topic in READ_FROM_SHOPIFY_TOPICS:  # parked again for another reason: nothing to replay
            key = {"pk": unreadable["pk"], "sk": unreadable["sk"]}
            self._call(self.client.delete_item, TableName=self.table_name, Key=items.to_attributes(key))

    def parked_events(self, shop: str) -> list[ParkedEvent]:
        parked = [items.parked_from_item(item) for item in self._query(items.parked_pk(shop), items.PARKED.prefix)]
        return sorted(parked, key=lambda event: event.received_at)

    def waiting_for_order(self, shop: str, order_id: int) -> list[ParkedEvent]:
        return [
            items.parked_from_item(item) for item in self._query(items.order_pk(shop, order_id), items.WAITING.prefix)
        ]

    def parked_unreadable(self, shop: str, limit: int) -> list[ParkedEvent]:
        found = self._call(
            self.client.query,
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=items.to_attributes(
                {":pk": items.parked_pk(shop), ":prefix": items.UNREADABLE.prefix}
            ),
            ConsistentRead=True,
            Limit=limit,
        )
        parked = [items.parked_from_item(items.from_attributes(item)) for item in found["Items"]]
        return sorted(parked, key=lambda event: event.received_at)

    def unpark(self, event: ParkedEvent) -> None:
        keys = [{"pk": items.parked_pk(event.shop), "sk": items.PARKED.of(event.event_id)}]
        if event.shopify_unreadable:
            keys.append({"pk": items.parked_pk(event.shop), "sk": items.UNREADABLE.of(event.event_id)})
        if event.waiting_for_order is not None:
            keys.append(
                {"pk": items.order_pk(event.shop, event.waiting_for_order), "sk": items.WAITING.of(event.event_id)}
            )
        for key in keys:
            self._call(self.client.delete_item, TableName=self.table_name, Key=items.to_attributes(key))

    # -- what the pusher learns ---------------------------------------------------------------------

    def _pusher_update(
        self,
        key: LevelKey,
        assignments: str,
        values: dict[str, Any],
        condition: str,
        *,
        add: str = "",
        remove: str = "",
    ) -> bool:
        return self._write_if(
            self.client.update_item, **self._pusher_parameters(key, assignments, values, condition, add, remove)
        )

    def _pusher_parameters(
        self, key: LevelKey, assignments: str, values: dict[str, Any], condition: str, add: str, remove: str
    ) -> dict[str, Any]:
        # changed_by=pusher: the stream filter passes ledger writes only, so this never re-triggers.
        expression = f"SET {assignments}, changed_by = :pusher"
        expression += f" ADD {add}" if add else ""
        expression += f" REMOVE {remove}" if remove else ""
        return self._balance_arguments(key, expression, condition, {**values, ":pusher": "pusher"})

    def _acknowledgement(self, push: LevelPush, at: datetime) -> dict[str, Any]:
        """One push's acknowledgement, as UpdateItem's arguments (alone, or an item of a transaction)."""
        # ADD, not SET: a sale applied between our read and this write has moved shopify_expected too.
        return self._pusher_parameters(
            push.key,
            "pushed_version = :version, pushed_quantity = :quantity, pushed_at = :at, push_status = :applied, "
            "last_agreed_at = :at",
            {
                ":moved": push.quantity - push.change_from,
                ":version": push.version,
                ":quantity": push.quantity,
                ":at": at.isoformat(),
                ":applied": PushStatus.APPLIED.value,
            },
            "attribute_exists(pk) AND (attribute_not_exists(pushed_version) OR pushed_version < :version)",
            "shopify_expected :moved",
            "stale_since",
        )

    def acknowledge_push(self, push: LevelPush, at: datetime) -> bool:
        return self._write_if(self.client.update_item, **self._acknowledgement(push, at))

    def acknowledge_pushes(self, pushes: Sequence[LevelPush], at: datetime) -> list[bool]:
        # Up to ACK_TRANSACTION_ITEMS acknowledgements per TransactWriteItems, each item keeping its own
        # condition, the transactions of one call in flight at once (boto3 clients are thread-safe): a
        # 250-level call is three round trips instead of 250 UpdateItems. A transaction is all or
        # nothing, so one cancelled (a level whose newer version was acknowledged already, a conflict
        # with a movement being committed) is written again item by item: each level's own condition
        # decides, and one level's lost race never costs another its acknowledgement.
        if len(pushes) <= 1:
            return [self.acknowledge_push(push, at) for push in pushes]
        if self.ack_transaction_items == 1:
            return self._acknowledge_each(list(pushes), at)
        chunks = [list(chunk) for chunk in batched(pushes, self.ack_transaction_items)]
        with ThreadPoolExecutor(max_workers=min(ACK_CONCURRENCY, len(chunks)), thread_name_prefix="ack") as pool:
            return [done for chunk in pool.map(lambda c: self._acknowledge_together(c, at), chunks) for done in chunk]

    def _acknowledge_together(self, pushes: list[LevelPush], at: datetime) -> list[bool]:
        if len(pushes) == 1:
            return [self.acknowledge_push(pushes[0], at)]
        try:
            self._call(
                self.client.transact_write_items,
                TransactItems=[{"Update": self._acknowledgement(push, at)} for push in pushes],
            )
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            return self._acknowledge_each(pushes, at)
        return [True] * len(pushes)

    def _acknowledge_each(self, pushes: list[LevelPush], at: datetime) -> list[bool]:
        """One conditional UpdateItem per level, several in flight."""
        with ThreadPoolExecutor(max_workers=min(ACK_CONCURRENCY, len(pushes)), thread_name_prefix="ack-1") as pool:
            return list(pool.map(lambda push: self.acknowledge_push(push, at), pushes))

    def record_stale_push(self, push: LevelPush, at: datetime) -> None:
        self._pusher_update(
            push.key,
            "push_status = :stale, stale_version = :version, stale_since = if_not_exists(stale_since, :at)",
            {":stale": PushStatus.STALE.value, ":version": push.version, ":at": at.isoformat()},
            "attribute_exists(pk)",
        )

    def record_unpushable(self, key: LevelKey, reason: str, at: datetime) -> None:
        self._pusher_update(
            key,
            "push_status = :unpushable, push_problem = :reason, push_problem_at = :at",
            {":unpushable": PushStatus.UNPUSHABLE.value, ":reason": reason, ":at": at.isoformat()},
            "attribute_exists(pk)",
        )

    def record_shopify_observation(self, key: LevelKey, available: int, at: datetime) -> None:
        self._pusher_update(
            key,
            "shopify_observed = :available, observed_at = :at",
            {":available": available, ":at": at.isoformat()},
            "attribute_exists(pk)",
        )

    # -- levels set aside for a re-push -------------------------------------------------------------

    def mark_for_repush(self, key: LevelKey, reason: str, at: datetime, *, failed: bool = True) -> None:
        # The mark's own item (item_type repush: the pusher's stream filter drops it) is what the sweep
        # queries; the balance says why, for the reconciler's report and for operators.
        self._call(
            self.client.update_item,
            TableName=self.table_name,
            Key=items.repush_key(key),
            UpdateExpression="SET item_type = :type, shop = :shop, #location = :location, sku = :sku, "
            "reason = :reason, last_failed_at = :at, marked_at = if_not_exists(marked_at, :at) ADD attempts :one",
            ExpressionAttributeNames={"#location": "location"},
            ExpressionAttributeValues=items.to_attributes(
                {
                    ":type": "repush",
                    ":shop": key.shop,
                    ":location": key.location,
                    ":sku": key.sku,
                    ":reason": reason,
                    ":at": at.isoformat(),
                    ":one": 1,
                }
            ),
        )
        if not failed:
            return
        self._pusher_update(
            key,
            "push_status = :failed, push_problem = :reason, push_problem_at = :at",
            {":failed": PushStatus.FAILED.value, ":reason": reason, ":at": at.isoformat()},
            "attribute_exists(pk)",
        )

    def repush_marks(self, shop: str) -> list[LevelKey]:
        found = self._query(items.repush_pk(shop), items.REPUSH_PREFIX)
        return sorted(LevelKey(item["shop"], item["location"], item["sku"]) for item in found)

    def clear_repush(self, key: LevelKey, failed_before: datetime) -> bool:
        return self._write_if(
            self.client.delete_item,
            TableName=self.table_name,
            Key=items.repush_key(key),
            ConditionExpression="attribute_not_exists(pk) OR last_failed_at < :before",
            ExpressionAttributeValues=items.to_attributes({":before": failed_before.isoformat()}),
        )

    # -- what the reconciler learns ------------------------------------------------------------------

    def balances_at(self, shop: str, location: str, skus: Iterable[str]) -> Iterator[Balance]:
        # BatchGetItem by key over the merchant's SKUs: the table has no index by location, and these
        # reads are strongly consistent. Several batches are in flight at once (boto3 clients are
        # thread-safe); at most `window` chunks of results are held, so a big location streams.
        chunk_size, window = 500, 8
        keys = (LevelKey(shop, location, sku) for sku in skus)
        with ThreadPoolExecutor(max_workers=window, thread_name_prefix="balances-at") as pool:
            pending: deque[Future[dict[LevelKey, Balance]]] = deque()
            for chunk in batched(keys, chunk_size):
                pending.append(pool.submit(self.balances, chunk))
                if len(pending) >= window:
                    yield from pending.popleft().result().values()
            while pending:
                yield from pending.popleft().result().values()

    def _reconciler_update(self, key: LevelKey, expression: str, values: dict[str, Any]) -> bool:
        # changed_by=reconciler: not `ledger`, so the pusher's stream filter drops it.
        return self._update_balance_if(key, expression, "attribute_exists(pk)", {**values, ":by": "reconciler"})

    def _update_balance_if(self, key: LevelKey, expression: str, condition: str, values: dict[str, Any]) -> bool:
        return self._write_if(self.client.update_item, **self._balance_arguments(key, expression, condition, values))

    def _balance_arguments(
        self, key: LevelKey, expression: str, condition: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "TableName": self.table_name,
            "Key": items.balance_key(key),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": items.to_attributes(values),
        }

    def record_drift(self, key: LevelKey, at: datetime) -> None:
        self._reconciler_update(
            key, "SET drift_since = if_not_exists(drift_since, :at), changed_by = :by", {":at": at.isoformat()}
        )

    def record_agreement(self, key: LevelKey, at: datetime) -> None:
        self._reconciler_update(
            key, "SET last_agreed_at = :at, changed_by = :by REMOVE drift_since", {":at": at.isoformat()}
        )

    def acknowledge_heal(self, push: LevelPush, expected_read: int, entry: ActivityEntry) -> bool:
        at = entry.applied_at.isoformat()
        values = {
            ":moved": push.quantity - expected_read,
            ":at": at,
            ":healed": PushStatus.HEALED.value,
            ":by": "reconciler",
        }
        operations: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": items.balance_key(push.key),
                    # ADD, not SET: a movement Shopify applied after our read moved shopify_expected too.
                    "UpdateExpression": "ADD shopify_expected :moved SET last_agreed_at = :at, push_status = :healed, "
                    "healed_at = :at, changed_by = :by REMOVE drift_since, stale_since, shopify_observed, observed_at",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": items.to_attributes(values),
                }
            },
            self._entry_put(entry),
        ]
        try:
            self.client.transact_write_items(TransactItems=operations)  # type: ignore[arg-type]
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "TransactionCanceledException":
                return False
            if code in TRANSIENT_CODES:
                raise TransientFailure(code) from error
            raise
        return True


def _mapping_sort_keys(request: MappingQuery) -> set[str]:
    sort_keys = {items.CONFIG_SK}
    sort_keys |= {items.SHOPIFY_LOCATION.of(location_id) for location_id in request.shopify_location_ids}
    sort_keys |= {items.SKU.of(sku) for sku in request.skus}
    sort_keys |= {items.INVENTORY_ITEM.of(item_id) for item_id in request.inventory_item_ids}
    sort_keys |= {items.VARIANT.of(variant_id) for variant_id in request.variant_ids}
    return sort_keys


def _raise_for_cancellation(reasons: list[str], first_entry: int) -> None:
    """Turns a cancelled transaction into a domain error by which items' conditions failed."""
    failed = [index for index, code in enumerate(reasons) if code == "ConditionalCheckFailed"]
    if any(code in ("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded") for code in reasons):
        raise ConcurrentChange("transaction conflict")
    if failed and all(index >= first_entry for index in failed):
        raise DuplicateEntry(f"{len(failed)} entries exist already")
    raise ConcurrentChange(f"{len(failed)} items moved since they were read")
