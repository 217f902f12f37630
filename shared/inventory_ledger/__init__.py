"""One canonical stock ledger per Shopify merchant, location and SKU.

Read top-down: ``domain`` (pure rules and models), ``ports`` (what the services need),
``adapters`` (DynamoDB, SQS, Secrets Manager, Shopify), ``service`` (use cases), ``config`` and
``observability``. Dependencies point down; the domain imports neither boto3 nor httpx.
"""
