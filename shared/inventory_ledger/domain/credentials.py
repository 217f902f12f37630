"""A shop's Admin API credentials and tokens as Shopify issues them (pure models; the token endpoint
and the stores that keep them are adapters: adapters/shopify/auth.py, token_store.py)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class StaticCredentials(_Frozen):
    kind: Literal["static"] = "static"
    access_token: str = Field(min_length=1)


class ClientCredentials(_Frozen):
    kind: Literal["client_credentials"]
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)


class ExpiringOfflineCredentials(_Frozen):
    kind: Literal["expiring_offline"]
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)


AdminCredentials = Annotated[
    StaticCredentials | ClientCredentials | ExpiringOfflineCredentials, Field(discriminator="kind")
]


class TokenGrant(_Frozen):
    """The token endpoint's 200 answer (fields as shopify.dev documents them)."""

    access_token: str = Field(min_length=1)
    scope: str = ""
    expires_in: int | None = Field(default=None, ge=0)
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = Field(default=None, ge=0)


class TokenState(_Frozen):
    """A shop's expiring offline token as stored, with the version every refresh increments."""

    access_token: str
    expires_at: float
    refresh_token: str
    refresh_expires_at: float | None = None
    version: int = 0
    lease_owner: str | None = None
    lease_until: float | None = None
