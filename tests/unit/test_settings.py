"""The settings readers (config.py): the environment is read once, and again after clear_cached_settings."""

from collections.abc import Callable

import pytest

from inventory_ledger import config

READERS: dict[str, Callable[[], config._Settings]] = {
    name: reader
    for name, reader in vars(config).items()
    if name.endswith("_settings") and name != "clear_cached_settings" and callable(reader)
}


def test_there_are_readers_to_check() -> None:
    assert {"ingress_settings", "ledger_settings", "shopify_settings", "report_settings"} <= READERS.keys()


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_reader_keeps_what_it_read_until_the_cached_settings_are_cleared(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("INGEST_QUEUE_URL", "LEDGER_TABLE_NAME", "REPORT_BUCKET_NAME"):
        monkeypatch.setenv(variable, "first")
    config.clear_cached_settings()
    first = READERS[name]()
    assert READERS[name]() is first
    config.clear_cached_settings()
    again = READERS[name]()
    assert again is not first
    assert again.model_dump().keys() == first.model_dump().keys()
