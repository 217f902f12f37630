"""Expiring offline tokens in the ledger table: one item per shop, refreshed under a conditional lease.

Item ``pk = ADMIN_TOKEN#<shop>``, ``sk = TOKEN``: ``access_token``, ``expires_at`` and ``refresh_token``
(epoch seconds), ``version`` (incremented by every refresh or install) and, while a refresh is under
way, ``lease_owner`` / ``lease_until``. The table is encrypted at rest; no stream filter of the pusher
matches these items (they are not balances).
"""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from inventory_ledger.adapters.dynamodb.client import DynamoDbTable, conditionally
from inventory_ledger.adapters.dynamodb.items import from_attributes, to_attributes, token_key
from inventory_ledger.domain.credentials import TokenGrant, TokenState

if TYPE_CHECKING:
    pass


def _number(seconds: float) -> Decimal:
    return Decimal(str(round(seconds, 3)))


class DynamoDbTokenStore(DynamoDbTable):
    def _key(self, shop: str) -> dict[str, Any]:
        return token_key(shop)

    def read(self, shop: str) -> TokenState | None:
        answer = self._call(self.client.get_item, TableName=self.table_name, Key=self._key(shop), ConsistentRead=True)
        if "Item" not in answer:
            return None
        item = from_attributes(answer["Item"])
        return TokenState(
            access_token=item["access_token"],
            expires_at=float(item["expires_at"]),
            refresh_token=item["refresh_token"],
            refresh_expires_at=float(item["refresh_expires_at"]) if "refresh_expires_at" in item else None,
            version=int(item.get("version", 0)),
            lease_owner=item.get("lease_owner"),
            lease_until=float(item["lease_until"]) if "lease_until" in item else None,
        )

    def _grant_values(self, grant: TokenGrant, now: float) -> dict[str, Any]:
        if grant.refresh_token is None or grant.expires_in is None:
            raise ValueError("an expiring offline token comes with expires_in and a refresh_token")
        values: dict[str, Any] = {
            ":access": grant.access_token,
            ":expires": _number(now + grant.expires_in),
            ":refresh": grant.refresh_token,
            ":one": 1,
        }
        if grant.refresh_token_expires_in is not None:
            values[":refresh_expires"] = _number(now + grant.refresh_token_expires_in)
        return values

    def _update(self, shop: str, grant: TokenGrant, now: float, condition: str | None, extra: dict[str, Any]) -> Any:
        values = {**self._grant_values(grant, now), **extra}
        sets = "access_token = :access, expires_at = :expires, refresh_token = :refresh"
        if ":refresh_expires" in values:
            sets += ", refresh_expires_at = :refresh_expires"
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self._key(shop),
            "UpdateExpression": f"SET {sets} ADD version :one REMOVE lease_owner, lease_until",
            "ExpressionAttributeValues": to_attributes(values),
            "ReturnValues": "ALL_NEW",
        }
        if condition:
            kwargs["ConditionExpression"] = condition
        return self._call(self.client.update_item, **kwargs)

    def save_grant(self, shop: str, grant: TokenGrant, now: float) -> TokenState:
        self._update(shop, grant, now, None, {})
        state = self.read(shop)
        if state is None:  # just written, and read strongly consistent
            raise LookupError(f"the token of {shop} was deleted as it was written")
        return state

    def try_lease(self, shop: str, version: int, owner: str, now: float, until: float) -> bool:
        return self._write_if(
            self.client.update_item,
            TableName=self.table_name,
            Key=self._key(shop),
            UpdateExpression="SET lease_owner = :owner, lease_until = :until",
            ConditionExpression="version = :version AND (attribute_not_exists(lease_until) OR lease_until < :now)",
            ExpressionAttributeValues=to_attributes(
                {":owner": owner, ":until": _number(until), ":version": version, ":now": _number(now)}
            ),
        )

    def complete(self, shop: str, version: int, grant: TokenGrant, now: float) -> TokenState | None:
        if not conditionally(lambda: self._update(shop, grant, now, "version = :version", {":version": version})):
            return None
        return self.read(shop)

    def release(self, shop: str, owner: str) -> None:
        self._write_if(
            self.client.update_item,
            TableName=self.table_name,
            Key=self._key(shop),
            UpdateExpression="REMOVE lease_owner, lease_until",
            ConditionExpression="lease_owner = :owner",
            ExpressionAttributeValues=to_attributes({":owner": owner}),
        )
