"""Which ledger levels a DynamoDB stream record is about (records parsed by powertools' Parser)."""

from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamRecordModel

from inventory_ledger.domain.ledger import LevelKey


def level_of(record: DynamoDBStreamRecordModel) -> LevelKey | None:
    """The balance the record changed; None for any other item (the template's filter lets few through)."""
    image = record.dynamodb.NewImage
    if not isinstance(image, dict) or image.get("item_type") != "balance":
        return None
    return LevelKey(str(image["shop"]), str(image["location"]), str(image["sku"]))
