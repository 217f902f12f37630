"""Which shop each webhook id was delivered for, in the ledger table (``pk = WEBHOOK#<id>``, TTL'd).

One app's client secret signs the deliveries of every shop it is installed on, and the shop header is
not signed: a captured delivery could be replayed under another shop's name. The first shop a
webhook id arrives for claims it; the same id for another shop is refused. Redeliveries (same id, same
shop) pass: the ledger's own idempotency takes care of them.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from inventory_ledger.adapters.dynamodb.client import DynamoDbTable
from inventory_ledger.adapters.dynamodb.items import WEBHOOK, WEBHOOK_SK, to_attributes
from inventory_ledger.ports import DeliveryRegistry

if TYPE_CHECKING:
    pass

# Longer than Shopify retries a delivery (4 hours) and the freshness window (48 h).
KEEP_FOR = timedelta(days=7)


class DynamoDbDeliveryRegistry(DynamoDbTable, DeliveryRegistry):
    def claim(self, webhook_id: str, shop_domain: str, at: datetime) -> bool:
        item = {
            "pk": WEBHOOK.of(webhook_id),
            "sk": WEBHOOK_SK,
            "shop": shop_domain,
            "ttl": int((at + KEEP_FOR).timestamp()),
        }
        return self._write_if(
            self.client.put_item,
            TableName=self.table_name,
            Item=to_attributes(item),
            ConditionExpression="attribute_not_exists(pk) OR #shop = :shop",
            ExpressionAttributeNames={"#shop": "shop"},
            ExpressionAttributeValues=to_attributes({":shop": shop_domain}),
        )
