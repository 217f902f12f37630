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
from inventory_ledger.ports import ShopSecrets, UnknownShop

UNKNOWN_SHOPS_KEPT = 10_000


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
            # powertools wraps every SDK error; the original is the implicit context.
            cause = error.__context__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ResourceNotFoundException":
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
        secrets = self._secret(shop_domain).get("webhook_secrets") or []
        return [s for s in secrets if isinstance(s, str) and s]
