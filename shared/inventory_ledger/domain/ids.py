"""Shopify ids: exact integers end to end, never floats.

Real ids exceed 2**53; a JSON round trip through a double corrupts them silently (see
shared/shopify/payloads/README.txt). So ids are ints or digit strings, a float is refused, and where a
payload carries both a numeric id and its admin_graphql_api_id gid, the gid wins.
"""

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

GID = re.compile(r"^gid://shopify/(?P<type>[A-Za-z]+)/(?P<id>\d+)(?:\?.*)?$")


def _exact_id(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError("Shopify ids must be integers or digit strings, never floats")
    if isinstance(value, str):
        match = GID.match(value)
        if match:
            return int(match.group("id"))
        if not value.isdigit():
            raise ValueError("not a Shopify id")
        return int(value)
    return value


ShopifyId = Annotated[int, BeforeValidator(_exact_id)]


def id_from_gid(gid: str) -> int:
    match = GID.match(gid)
    if not match:
        raise ValueError(f"not a Shopify gid: {gid!r}")
    return int(match.group("id"))


def gid(resource: str, numeric_id: int) -> str:
    return f"gid://shopify/{resource}/{numeric_id}"
