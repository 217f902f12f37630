"""Settings are read from the environment by field name, validated by pydantic, without pydantic-settings;
the readers (config.py) read once, and again after clear_cached_settings."""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from inventory_ledger import config
from inventory_ledger.config import IngressSettings, LedgerSettings, PusherSettings, SubscriptionSettings
from inventory_ledger.domain.subscriptions import SubscriptionMode

ROOT = Path(__file__).resolve().parents[2]
READERS: dict[str, Callable[[], config.Settings]] = {
    name: reader
    for name, reader in vars(config).items()
    if name.endswith("_settings") and name != "clear_cached_settings" and callable(reader)
}


def test_each_field_is_read_from_its_variable_in_upper_or_lower_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TABLE_NAME", "ledger")
    monkeypatch.setenv("ledger_ack_transaction_items", "1")
    settings = LedgerSettings.from_environment()
    assert (settings.ledger_table_name, settings.ledger_ack_transaction_items) == ("ledger", 1)


def test_scalars_and_enums_are_parsed_and_defaults_kept_where_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSH_SPACING_SECONDS", "2.5")
    monkeypatch.delenv("PUSH_LATER_QUEUE_URL", raising=False)
    monkeypatch.setenv("WEBHOOK_SUBSCRIPTIONS", "shop")
    assert PusherSettings.from_environment().push_spacing_seconds == 2.5
    assert PusherSettings.from_environment().push_later_queue_url is None
    assert SubscriptionSettings.from_environment().webhook_subscriptions is SubscriptionMode.SHOP


def test_given_values_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TABLE_NAME", "from-env")
    assert LedgerSettings.from_environment(ledger_table_name="given").ledger_table_name == "given"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEDGER_ACK_TRANSACTION_ITEMS", "many"),
        ("LEDGER_ACK_TRANSACTION_ITEMS", "0"),
        ("LEDGER_ACK_TRANSACTION_ITEMS", ""),
    ],
)
def test_a_malformed_or_out_of_range_value_is_refused(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TABLE_NAME", "ledger")
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        LedgerSettings.from_environment()
    assert refused.value.title == "LedgerSettings"  # the CLI names the setting from this (settings_problem)


def test_a_missing_required_setting_is_refused_and_unrelated_variables_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INGEST_QUEUE_URL", raising=False)
    monkeypatch.setenv("SOMETHING_ELSE", "x")
    with pytest.raises(ValidationError) as refused:
        IngressSettings.from_environment()
    assert [error["loc"] for error in refused.value.errors() if error["type"] == "missing"] == [("ingest_queue_url",)]


def test_reading_the_settings_never_imports_pydantic_settings() -> None:
    # pydantic-settings loads its AWS, Azure, GCP, CLI and dotenv sources: a tenth of a first invocation.
    code = (
        "import sys; from inventory_ledger import config; config.LedgerSettings.from_environment(); "
        "print('pydantic_settings' in sys.modules)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT / "shared"), "LEDGER_TABLE_NAME": "ledger"},
    )  # fmt: skip
    assert out.stdout.strip() == "False"


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
