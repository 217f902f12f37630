"""The shop secret's signing secrets, read in one place (adapters/secrets.py) for ingress."""

import pytest

from inventory_ledger.adapters.secrets import signing_secrets


@pytest.mark.parametrize(
    ("stored", "secrets"),
    [
        ({"webhook_secrets": ["new", "old"], "admin_access_token": "shpat_x"}, ["new", "old"]),
        ({"webhook_secrets": ["kept", "", 7, None]}, ["kept"]),  # blanks and non-strings are no secret
        ({"webhook_secrets": "one-string"}, []),  # not a list: never its characters
        ({"admin_access_token": "shpat_x"}, []),
        (["webhook_secrets"], []),
    ],
)
def test_only_non_empty_strings_of_a_list_sign(stored: object, secrets: list[str]) -> None:
    assert signing_secrets(stored) == secrets
