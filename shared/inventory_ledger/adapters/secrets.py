"""Shop secrets from Secrets Manager, read through powertools Parameters (cached per container)."""

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import ClientError

from inventory_ledger.config import SecretSettings
from inventory_ledger.ports import ShopSecrets, UnknownShop


class SecretsManagerShopSecrets(ShopSecrets):
    def __init__(self, settings: SecretSettings) -> None:
        self.settings = settings

    def _secret(self, shop_domain: str) -> dict[str, Any]:
        name = self.settings.secret_name(shop_domain)
        try:
            value = parameters.get_secret(name, transform="json", max_age=self.settings.secret_max_age_seconds)
        except parameters.exceptions.GetParameterError as error:
            # powertools wraps every SDK error; the original is the implicit context.
            cause = error.__context__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ResourceNotFoundException":
                raise UnknownShop(shop_domain) from error
            raise
        if not isinstance(value, dict):
            raise UnknownShop(shop_domain)
        return value

    def webhook_secrets(self, shop_domain: str) -> Sequence[str]:
        secrets = self._secret(shop_domain).get("webhook_secrets") or []
        return [s for s in secrets if isinstance(s, str) and s]

    def admin_access_token(self, shop_domain: str) -> str:
        token = self._secret(shop_domain).get("admin_access_token")
        if not isinstance(token, str) or not token:
            raise UnknownShop(shop_domain)
        return token
