"""Which ledger levels a DynamoDB stream record is about (records as powertools' data classes)."""

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from inventory_ledger.domain.ledger import LevelKey


def level_of(record: DynamoDBRecord) -> LevelKey | None:
    """The balance the record changed; None for any other item (the template's filter lets few through)."""
    image = record.dynamodb.new_image if record.dynamodb else None
    if not isinstance(image, dict) or image.get("item_type") != "balance":
        return None
    if not all(isinstance(image.get(name), str) for name in ("shop", "location", "sku")):
        return None
    return LevelKey(image["shop"], image["location"], image["sku"])
