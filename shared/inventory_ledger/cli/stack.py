"""``--stack NAME``: the settings ledgerctl needs, read from a deployed stack's outputs (DescribeStacks)."""

import os

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from inventory_ledger import bootstrap, config
from inventory_ledger.cli.output import SETTINGS, CommandError

# template.yaml's Outputs -> the variables the functions (and so ledgerctl) read.
OUTPUT_VARIABLES = {
    "LedgerTableName": "LEDGER_TABLE_NAME",
    "ReportBucketName": "REPORT_BUCKET_NAME",
    "ShopSecretPrefix": "SHOP_SECRET_PREFIX",
    "IngestQueueUrl": "INGEST_QUEUE_URL",
    "WebhookUrl": "WEBHOOK_URL",
}


def stack_settings(name: str) -> dict[str, str]:
    """The variables from the stack's outputs; CommandError(SETTINGS) when it cannot be read."""
    try:
        stacks = boto3.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        raise CommandError(f"--stack {name}: {error.response['Error'].get('Message', error)}", SETTINGS) from None
    except BotoCoreError as error:
        raise CommandError(f"--stack {name}: {error}", SETTINGS) from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", []) if "OutputValue" in o}
    found = {variable: outputs[key] for key, variable in OUTPUT_VARIABLES.items() if key in outputs}
    if "LEDGER_TABLE_NAME" not in found:
        raise CommandError(f"--stack {name}: no LedgerTableName output (is it this project's stack?)", SETTINGS)
    return found


def use_stack(name: str) -> dict[str, str]:
    """Points this process at the stack (its outputs win over the environment)."""
    found = stack_settings(name)
    os.environ.update(found)
    config.clear_cached_settings()
    bootstrap.reset()
    return found
