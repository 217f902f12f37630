"""The nightly run log on the ledger table (docs/contracts.md), kept 30 days (TTL ``ttl``).

``NIGHTLY`` / ``<started at>#<run id>``: the index of runs, newest last. ``NIGHTLY#<run id>`` /
``PLAN``: the messages the fan-out queued. ``NIGHTLY#<run id>`` / ``RESULT#<shop>[#<location>]``: one
item per message, updated by each attempt (a conditional update: a failure never overwrites a success).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from inventory_ledger.adapters.dynamodb import items
from inventory_ledger.adapters.dynamodb.client import dynamodb_client
from inventory_ledger.domain.nightly import MessageOutcome, MessageStatus, NightlyPlan, PlannedMessage
from inventory_ledger.ports import NightlyRunLog

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

INDEX_PK = "NIGHTLY"
PLAN_SK = "PLAN"
RESULT_PREFIX = "RESULT#"
KEEP_FOR = timedelta(days=30)
NOT_A_SUCCESS = "attribute_not_exists(#status) OR #status <> :reconciled"


def run_pk(run_id: str) -> str:
    return f"NIGHTLY#{run_id}"


def result_sk(shop: str, location: str | None) -> str:
    return RESULT_PREFIX + items.key_part(shop) + ("" if location is None else "#" + items.key_part(location))


@dataclass
class DynamoDbNightlyRunLog(NightlyRunLog):
    table_name: str
    given_client: "DynamoDBClient | None" = None

    @property
    def client(self) -> "DynamoDBClient":
        return self.given_client or dynamodb_client()  # the shared one, built when first used

    def record_plan(self, plan: NightlyPlan) -> None:
        ttl = int((plan.started_at + KEEP_FOR).timestamp())
        messages = [{"shop": m.shop, "location": m.location} for m in plan.messages]
        header = {"run_id": plan.run_id, "started_at": plan.started_at.isoformat(), "ttl": ttl}
        # The plan first: the index never points at a run without one.
        self.client.put_item(TableName=self.table_name, Item=items.to_attributes(
            {"pk": run_pk(plan.run_id), "sk": PLAN_SK, "item_type": "nightly_plan", **header,
             "messages": [{k: v for k, v in m.items() if v is not None} for m in messages]}))  # fmt: skip
        self.client.put_item(TableName=self.table_name, Item=items.to_attributes(
            {"pk": INDEX_PK, "sk": f"{plan.started_at.isoformat()}#{plan.run_id}", "item_type": "nightly_run",
             **header}))  # fmt: skip

    def latest_plan(self, since: datetime) -> NightlyPlan | None:
        answer = self.client.query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk AND sk >= :since",
            ExpressionAttributeValues=items.to_attributes({":pk": INDEX_PK, ":since": since.isoformat()}),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        found = [items.from_attributes(item) for item in answer.get("Items", [])]
        return self.plan(str(found[0]["run_id"])) if found else None

    def plan(self, run_id: str) -> NightlyPlan | None:
        answer = self.client.get_item(
            TableName=self.table_name,
            Key=items.to_attributes({"pk": run_pk(run_id), "sk": PLAN_SK}),
            ConsistentRead=True,
        )
        if "Item" not in answer:
            return None
        item = items.from_attributes(answer["Item"])
        messages = tuple(PlannedMessage(str(m["shop"]), m.get("location")) for m in item.get("messages", []))
        return NightlyPlan(run_id, datetime.fromisoformat(str(item["started_at"])), messages)

    def record_started(self, run_id: str, shop: str, location: str | None, at: datetime) -> None:
        self._update(run_id, shop, location, at, {"status": MessageStatus.STARTED.value}, add_attempt=True)

    def record_outcome(self, run_id: str, outcome: MessageOutcome, at: datetime) -> None:
        fields: dict[str, Any] = {"status": outcome.status.value, "drifted": outcome.drifted,
                                  "levels": outcome.levels, "missing": list(outcome.subscriptions_missing)}  # fmt: skip
        if outcome.error is not None:
            fields["error"] = outcome.error[:1000]
        self._update(run_id, outcome.shop, outcome.location, at, fields,
                     guard=outcome.status is not MessageStatus.RECONCILED)  # fmt: skip

    def _update(self, run_id: str, shop: str, location: str | None, at: datetime, fields: dict[str, Any], *,
                add_attempt: bool = False, guard: bool = True) -> None:  # fmt: skip
        """SETs the fields (every name a placeholder: several are DynamoDB reserved words)."""
        fields = {**fields, "recorded_at": at.isoformat(), "shop": shop, "location": location,
                  "ttl": int((at + KEEP_FOR).timestamp()), "item_type": "nightly_result"}  # fmt: skip
        fields = {name: value for name, value in fields.items() if value is not None}
        names = {f"#{name}": name for name in fields}
        values = {f":{name}": value for name, value in fields.items()}
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in fields)
        if add_attempt:
            expression += " ADD #attempts :one"
            names["#attempts"], values[":one"] = "attempts", 1
        request: dict[str, Any] = {}
        if guard:
            request["ConditionExpression"] = NOT_A_SUCCESS
            values[":reconciled"] = MessageStatus.RECONCILED.value
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=items.to_attributes({"pk": run_pk(run_id), "sk": result_sk(shop, location)}),
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=items.to_attributes(values),
                **request,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise  # a success already recorded: a duplicate delivery's attempt changes nothing

    def outcomes(self, run_id: str) -> list[MessageOutcome]:
        found = []
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=items.to_attributes({":pk": run_pk(run_id), ":prefix": RESULT_PREFIX}),
            ConsistentRead=True,
        ):
            for raw in page.get("Items", []):
                item = items.from_attributes(raw)
                found.append(MessageOutcome(
                    shop=str(item["shop"]), location=item.get("location"), status=MessageStatus(item["status"]),
                    attempts=int(item.get("attempts", 0)), drifted=int(item.get("drifted", 0)),
                    levels=int(item.get("levels", 0)), error=item.get("error"),
                    subscriptions_missing=tuple(item.get("missing", [])),
                ))  # fmt: skip
        return found
