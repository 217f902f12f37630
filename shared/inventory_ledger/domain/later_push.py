"""The push-later queue's message (service/pacing.py), apart from domain/pushing.py: the pusher's
stream path and the reconciler import that one, and need not load pydantic for it."""

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from inventory_ledger.domain.ledger import LevelKey


class LaterPushLevel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    shop: str = Field(min_length=1)
    location: str = Field(min_length=1)
    sku: str = Field(min_length=1)


class LaterPush(BaseModel):
    """The push-later queue's message: levels to read afresh and push (service/pacing.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    levels: list[LaterPushLevel] = Field(min_length=1)

    @classmethod
    def of(cls, keys: Iterable[LevelKey]) -> "LaterPush":
        return cls(levels=[LaterPushLevel(shop=k.shop, location=k.location, sku=k.sku) for k in keys])

    def level_keys(self) -> list[LevelKey]:
        return [LevelKey(level.shop, level.location, level.sku) for level in self.levels]
