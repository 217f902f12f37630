"""Shop signing secrets from Secrets Manager, read through powertools Parameters (cached per container).

A shop without a secret is remembered as unknown for ``unknown_shop_cache_seconds`` (bounded), so a
stream of deliveries naming made-up shops costs one Secrets Manager call per name, not one each.
"""

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import ClientError

from inventory_ledger.config import SecretSettings
from inventory_ledger.ports import CredentialWriter, ShopSecrets, UnknownShop

UNKNOWN_SHOPS_KEPT = 10_000


def secret_not_found(error: parameters.exceptions.GetParameterError) -> bool:
    """powertools wraps every SDK error; the original, as the implicit context, says whether the
    secret does not exist (as opposed to Secrets Manager failing)."""
    cause = error.__context__
    return isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ResourceNotFoundException"


def signing_secrets(secret: object) -> list[str]:
    """The shop secret's ``webhook_secrets`` (``{"webhook_secrets": [...], ...}``, docs/contracts.md):
    the non-empty strings of it; none when the secret is not that shape."""
    listed = secret.get("webhook_secrets") if isinstance(secret, dict) else None
    return [s for s in listed if isinstance(s, str) and s] if isinstance(listed, list) else []


class SecretsManagerShopSecrets(ShopSecrets):
    def __init__(
        self, settings: SecretSettings, unknown_for_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._unknown_for = unknown_for_seconds
        self._clock = clock
        self._unknown: OrderedDict[str, float] = OrderedDict()  # shop -> known unknown until
        self.lookups = 0

    def _secret(self, shop_domain: str) -> dict[str, Any]:
        until = self._unknown.get(shop_domain)
        if until is not None and self._clock() < until:
            raise UnknownShop(shop_domain)
        name = self.settings.secret_name(shop_domain)
        try:
            self.lookups += 1
            value = parameters.get_secret(name, transform="json", max_age=self.settings.secret_max_age_seconds)
        except parameters.exceptions.GetParameterError as error:
            if secret_not_found(error):
                self._remember_unknown(shop_domain)
                raise UnknownShop(shop_domain) from error
            raise
        if not isinstance(value, dict):
            raise UnknownShop(shop_domain)
        self._unknown.pop(shop_domain, None)
        return value

    def _remember_unknown(self, shop_domain: str) -> None:
        if self._unknown_for <= 0:
            return
        self._unknown[shop_domain] = self._clock() + self._unknown_for
        self._unknown.move_to_end(shop_domain)
        while len(self._unknown) > UNKNOWN_SHOPS_KEPT:
            self._unknown.popitem(last=False)

    def webhook_secrets(self, shop_domain: str) -> Sequence[str]:
        return signing_secrets(self._secret(shop_domain))


class SecretsManagerWriter(CredentialWriter):
    """Writes the secrets an install creates (the OAuth callback only)."""

    def __init__(self, client: Any = None) -> None:
        self._client = client

    def put(self, name: str, value: dict[str, object]) -> None:
        import json

        import boto3

        client = self._client or boto3.client("secretsmanager")
        text = json.dumps(value)
        try:
            client.create_secret(Name=name, SecretString=text)
        except client.exceptions.ResourceExistsException:
            client.put_secret_value(SecretId=name, SecretString=text)
