"""MerchantDirectory on the ledger table: one-to-one mappings enforced by conditional transactions."""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from inventory_ledger.adapters.dynamodb import items
from inventory_ledger.adapters.dynamodb.client import DynamoDbTable
from inventory_ledger.domain.drift import DEFAULT_HEALING_POLICY, HealingPolicy
from inventory_ledger.ports import MappingConflict, MerchantDirectory, ShopLifecycle

if TYPE_CHECKING:
    pass

HEALING_POLICIES = tuple(policy.value for policy in HealingPolicy)


class DynamoDbMerchantDirectory(DynamoDbTable, MerchantDirectory, ShopLifecycle):
    """Every call goes through DynamoDbTable._call: throttling becomes TransientFailure, as in the ledger."""

    def register_shop(self, shop: str, *, onboarded_at: datetime) -> None:
        self._call(
            self.client.update_item,
            TableName=self.table_name,
            Key=items.shop_key(shop, items.CONFIG_SK),
            # Onboarding again after an uninstall makes the shop active again.
            UpdateExpression="SET item_type = :type, shop = :shop, onboarded_at = if_not_exists(onboarded_at, :at) "
            "REMOVE uninstalled_at",
            ExpressionAttributeValues=items.to_attributes(
                {":type": "shop", ":shop": shop, ":at": onboarded_at.isoformat()}
            ),
        )
        self._call(
            self.client.put_item,
            TableName=self.table_name,
            Item=items.to_attributes(
                {"pk": items.REGISTRY_PK, "sk": items.shop_pk(shop), "item_type": "shop_registry"}
            ),
        )

    def shops(self) -> list[str]:
        """Active shops: one the app was uninstalled from is neither reconciled nor listed."""
        registered = [
            item["sk"].removeprefix(items.SHOP_PREFIX) for item in self._query(items.REGISTRY_PK, items.SHOP_PREFIX)
        ]
        return [shop for shop in registered if self.is_active(shop)]

    # -- lifecycle and compliance -------------------------------------------------------------------
    def is_active(self, shop: str) -> bool:
        config = self._config_item(shop, items.CONFIG_SK)
        return config is None or "uninstalled_at" not in config

    def mark_uninstalled(self, shop: str, at: datetime) -> None:
        self._call(
            self.client.update_item,
            TableName=self.table_name,
            Key=items.shop_key(shop, items.CONFIG_SK),
            UpdateExpression="SET uninstalled_at = :at, item_type = if_not_exists(item_type, :type), shop = :shop",
            ExpressionAttributeValues=items.to_attributes({":at": at.isoformat(), ":type": "shop", ":shop": shop}),
        )

    def record_compliance(self, shop: str, topic: str, event_id: str, at: datetime, detail: str) -> None:
        record = {
            "pk": items.shop_pk(shop),
            "sk": items.COMPLIANCE.of(event_id),
            "item_type": "compliance_record",
            "shop": shop,
            "topic": topic,
            "event_id": event_id,
            "done_at": at.isoformat(),
            "detail": detail,
        }
        self._call(self.client.put_item, TableName=self.table_name, Item=items.to_attributes(record))

    def compliance_records(self, shop: str) -> list[dict[str, str]]:
        fields = ("topic", "event_id", "done_at", "detail")
        return [{f: str(item[f]) for f in fields} for item in self._query(items.shop_pk(shop), items.COMPLIANCE.prefix)]

    def _pair(
        self,
        shop: str,
        forward: tuple[str, dict[str, Any]],
        backward: tuple[str, dict[str, Any]],
        *more: tuple[str, dict[str, Any]],
    ) -> None:
        """Writes both directions of a mapping (and any further index of it), each only if absent or
        already the same."""
        operations = []
        for sort_key, attributes in (forward, backward, *more):
            (field, value), *_ = attributes.items()
            operations.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": items.to_attributes(
                            {"pk": items.shop_pk(shop), "sk": sort_key, "shop": shop, **attributes}
                        ),
                        "ConditionExpression": "attribute_not_exists(pk) OR #field = :value",
                        "ExpressionAttributeNames": {"#field": field},
                        "ExpressionAttributeValues": items.to_attributes({":value": value}),
                    }
                }
            )
        try:
            self._call(self.client.transact_write_items, TransactItems=operations)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            taken = [
                key
                for key, code in zip((forward[0], backward[0]), reasons, strict=False)
                if code == "ConditionalCheckFailed"
            ]
            raise MappingConflict(f"already mapped to something else: {', '.join(taken) or 'one side'}") from error

    def map_location(self, shop: str, location: str, shopify_location_id: int, name: str = "") -> None:
        self._pair(
            shop,
            (
                items.LOCATION.of(location),
                {
                    "shopify_location_id": str(shopify_location_id),
                    "location": location,
                    "name": name,
                    "item_type": "location",
                },
            ),
            (items.SHOPIFY_LOCATION.of(shopify_location_id), {"location": location, "item_type": "shopify_location"}),
        )

    def set_primary_location(self, shop: str, location: str) -> None:
        try:
            self._call(
                self.client.transact_write_items,
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self.table_name,
                            "Key": items.shop_key(shop, items.LOCATION.of(location)),
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": items.shop_key(shop, items.CONFIG_SK),
                            "UpdateExpression": "SET primary_location = :location",
                            "ConditionExpression": "attribute_exists(pk)",
                            "ExpressionAttributeValues": items.to_attributes({":location": location}),
                        }
                    },
                ],
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise LookupError(f"{shop} has no location {location!r} (or is not onboarded)") from error
            raise

    def map_sku(
        self, shop: str, sku: str, inventory_item_id: int, variant_id: int | None = None, *, tracked: bool = True
    ) -> None:
        # A variant has one inventory item for life: order lines name the variant, so it is indexed too.
        by_variant = () if variant_id is None else (
            (items.VARIANT.of(variant_id), {"inventory_item_id": str(inventory_item_id), "sku": sku, "tracked": tracked,
                                       "item_type": "variant"}),
        )  # fmt: skip
        self._pair(
            shop,
            (
                items.SKU.of(sku),
                {
                    "inventory_item_id": str(inventory_item_id),
                    "sku": sku,
                    "variant_id": None if variant_id is None else str(variant_id),
                    "item_type": "sku",
                },
            ),
            (
                items.INVENTORY_ITEM.of(inventory_item_id),
                {"sku": sku, "item_type": "inventory_item", "tracked": tracked},
            ),
            *by_variant,
        )

    def locations(self, shop: str) -> dict[str, int]:
        found = self._query(items.shop_pk(shop), items.LOCATION.prefix)
        return {item["location"]: int(item["shopify_location_id"]) for item in found}

    def skus(self, shop: str) -> dict[str, int]:
        return {
            item["sku"]: int(item["inventory_item_id"]) for item in self._query(items.shop_pk(shop), items.SKU.prefix)
        }

    def shopify_ids(
        self, shop: str, locations: Iterable[str], skus: Iterable[str]
    ) -> tuple[dict[str, int], dict[str, int]]:
        sort_keys = [items.LOCATION.of(location) for location in set(locations)] + [
            items.SKU.of(sku) for sku in set(skus)
        ]
        keys = [items.shop_key(shop, sort_key) for sort_key in sort_keys]
        location_ids: dict[str, int] = {}
        item_ids: dict[str, int] = {}
        for item in self._batch_get(keys, consistent=False):
            if item["sk"].startswith(items.LOCATION.prefix):
                location_ids[item["location"]] = int(item["shopify_location_id"])
            else:
                item_ids[item["sku"]] = int(item["inventory_item_id"])
        return location_ids, item_ids

    # -- reconciliation ---------------------------------------------------------------------------

    def _config_item(self, shop: str, sort_key: str) -> items.Item | None:
        response = self._call(
            self.client.get_item,
            TableName=self.table_name,
            Key=items.shop_key(shop, sort_key),
            ConsistentRead=True,
        )
        return items.from_attributes(response["Item"]) if "Item" in response else None

    def _set_existing(self, shop: str, sort_key: str, assignments: str, values: dict[str, Any]) -> None:
        try:
            self._call(
                self.client.update_item,
                TableName=self.table_name,
                Key=items.shop_key(shop, sort_key),
                UpdateExpression=f"SET {assignments}",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=items.to_attributes(values),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise LookupError(f"{shop}: no {sort_key} item (not onboarded, or not mapped)") from error
            raise

    def healing_policy(self, shop: str) -> HealingPolicy:
        config = self._config_item(shop, items.CONFIG_SK)
        if config is None:
            raise LookupError(f"{shop} is not onboarded")
        return HealingPolicy(config.get("healing_policy") or DEFAULT_HEALING_POLICY)

    def set_healing_policy(self, shop: str, policy: str) -> None:
        if policy not in HEALING_POLICIES:
            raise ValueError(f"healing policy must be one of {', '.join(HEALING_POLICIES)}")
        self._set_existing(shop, items.CONFIG_SK, "healing_policy = :policy", {":policy": HealingPolicy(policy).value})

    def location_reconciled_at(self, shop: str, location: str) -> datetime | None:
        item = self._config_item(shop, items.LOCATION.of(location))
        value = item.get("reconciled_at") if item else None
        return datetime.fromisoformat(value) if value else None

    def record_location_reconciled(self, shop: str, location: str, at: datetime, run_id: str) -> None:
        self._set_existing(
            shop,
            items.LOCATION.of(location),
            "reconciled_at = :at, reconciled_by = :run",
            {":at": at.isoformat(), ":run": run_id},
        )

    def onboarded_at(self, shop: str) -> datetime | None:
        config = self._config_item(shop, items.CONFIG_SK)
        value = config.get("onboarded_at") if config else None
        return datetime.fromisoformat(value) if value else None

    def caught_up_at(self, shop: str) -> datetime | None:
        config = self._config_item(shop, items.CONFIG_SK)
        value = config.get("caught_up_at") if config else None
        return datetime.fromisoformat(value) if value else None

    def record_caught_up(self, shop: str, at: datetime) -> None:
        try:
            self._call(
                self.client.update_item,
                TableName=self.table_name,
                Key=items.shop_key(shop, items.CONFIG_SK),
                UpdateExpression="SET caught_up_at = :at",
                ConditionExpression="attribute_exists(pk) AND "
                "(attribute_not_exists(caught_up_at) OR caught_up_at < :at)",
                ExpressionAttributeValues=items.to_attributes({":at": at.isoformat()}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            if self._config_item(shop, items.CONFIG_SK) is None:
                raise LookupError(f"{shop} is not onboarded") from error

    def _query(self, pk: str, prefix: str) -> Iterator[items.Item]:
        return self._query_prefix(pk, prefix, consistent=False)
