"""The one Logger, Tracer and Metrics of the package (powertools), shared by every function.

Service name, namespace and log level come from the POWERTOOLS_* variables set in template.yaml.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
