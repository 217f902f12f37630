"""One GraphQL object value as the resolvers build it (its own module: the state stores answers as these)."""

from __future__ import annotations

from typing import Any


class Obj:
    """One GraphQL object value: `fields` maps a field name to a value or `fn(info, **args)`."""

    __slots__ = ("fields", "typename")

    def __init__(self, typename: str, **fields: Any) -> None:
        self.typename = typename
        self.fields = fields

    def __repr__(self) -> str:
        return f"Obj({self.typename}, {sorted(self.fields)})"
