"""The ledger table on DynamoDB: item shapes (items.py) apart from the domain, one repository each."""
