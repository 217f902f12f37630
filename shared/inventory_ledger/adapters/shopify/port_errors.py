"""Shopify's errors as the ports' two: TransientFailure (retry later) and PushRefused (for good)."""

from collections.abc import Iterator
from contextlib import contextmanager

from inventory_ledger.adapters.shopify.errors import REFUSED_FOR_GOOD, RETRY_LATER
from inventory_ledger.ports import PushRefused, TransientFailure


@contextmanager
def as_port_errors() -> Iterator[None]:
    try:
        yield
    except RETRY_LATER as error:
        raise TransientFailure(str(error)) from error
    except REFUSED_FOR_GOOD as error:
        raise PushRefused(str(error)) from error
