"""Shopify's errors as the ports' two: TransientFailure (retry later) and PushRefused (for good)."""

from collections.abc import Iterator
from contextlib import contextmanager

from inventory_ledger.adapters.shopify.errors import (
    ShopifyAuthError,
    ShopifyGraphQLError,
    ShopifyRequestError,
    ShopifyThrottled,
    ShopifyTransientError,
    ShopifyUnavailable,
    ShopifyUserErrors,
)
from inventory_ledger.ports import PushRefused, TransientFailure


@contextmanager
def as_port_errors() -> Iterator[None]:
    try:
        yield
    except (ShopifyUnavailable, ShopifyThrottled, ShopifyTransientError) as error:
        raise TransientFailure(str(error)) from error
    except (ShopifyAuthError, ShopifyGraphQLError, ShopifyRequestError, ShopifyUserErrors) as error:
        raise PushRefused(str(error)) from error
