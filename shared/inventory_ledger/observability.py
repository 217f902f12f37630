"""The one Logger, Tracer and Metrics of the package (powertools), shared by every function.

Service name, namespace and log level come from the POWERTOOLS_* variables set in template.yaml; the
defaults here are the same names, so a process that forgot them still logs and emits metrics
(without a namespace, powertools refuses to flush metrics and the invocation fails).
"""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "inventory-ledger"
NAMESPACE = "InventoryLedger"

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))
tracer = Tracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE))
