"""`ledgerctl map`: a location and a SKU Shopify gained after onboarding are mapped, only their levels
are imported, and the sales parked for them are replayed without subtracting anything twice (in
process, against moto server or DynamoDB Local and the Shopify simulator).

Shopify: a POS order names its `location_id` and each line its `sku`
(shopify.dev/docs/api/admin-rest/latest/resources/order); InventoryLevel.updatedAt is when the level
last changed (shopify.dev/docs/api/admin-graphql/latest/objects/InventoryLevel)."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.cli import main
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from tests.support.simulated_merchant import SimulatedMerchant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("restored_logger")]
SHOP = "mapping.myshopify.com"


@pytest.fixture
def merchant(seed_shop: Callable[[str], SimulatedMerchant]) -> SimulatedMerchant:
    return seed_shop(SHOP)


def ledgerctl(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(["--json", *argv])
    text = capsys.readouterr().out.strip()
    return code, json.loads(text) if text.startswith("{") else text


def entries(location: str, sku: str) -> list[Any]:
    return bootstrap.ledger().entries(LevelKey(SHOP, location, sku))


def test_mapping_a_new_location_and_sku_imports_only_their_levels_and_replays_what_was_parked(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    """After onboarding, Shopify gains a Pop-up location (5 TEE-S) and a CAP (6 at the Store). Shopify
    sells 1 TEE-S at the Pop-up and 2 CAP at the Store; both webhooks are parked (unmapped). `map`
    maps both, imports Pop-up/TEE-S (4) and Store/CAP (4) as Shopify shows them, and replays the two
    sales: recorded, already inside the imported levels. Ledger = Shopify; the next sale moves both."""
    assert ledgerctl(capsys, "onboard", SHOP, "--primary-location", "Main Warehouse")[0] == 0
    before = {(loc, sku): len(entries(loc, sku)) for loc in ("main-warehouse", "store") for sku in ("TEE-S", "MUG")}
    merchant.sim.sim.advance(1)
    merchant.control("POST", "/seed", {
        "locations": [{"name": "Pop-up", "fulfills_online_orders": False}],
        "products": [{"title": "Cap", "variants": [{"sku": "CAP"}]}],
        "levels": [{"sku": "CAP", "location": "Store", "available": 6},
                   {"sku": "TEE-S", "location": "Pop-up", "available": 5}],
    })  # fmt: skip
    merchant.sim.sim.advance(1)
    merchant.control("POST", "/orders", {"lines": [{"sku": "TEE-S", "quantity": 1}], "location": "Pop-up"})
    merchant.control("POST", "/orders", {"lines": [{"sku": "CAP", "quantity": 2}], "location": "Store"})
    assert merchant.deliver_events("orders/create") == 2
    assert len(bootstrap.ledger().parked_events(SHOP)) == 2

    code, mapped = ledgerctl(capsys, "map", SHOP, "--location", "Pop-up", "--sku", "CAP")
    assert code == 0, mapped
    assert (set(mapped["locations"]), set(mapped["skus"])) == ({"pop-up"}, {"CAP"})
    assert (mapped["opening_balances"], len(mapped["replayed"]), mapped["still_parked"]) == (2, 2, {})
    assert bootstrap.ledger().parked_events(SHOP) == []
    for location, name, sku, shown in (("pop-up", "Pop-up", "TEE-S", 4), ("store", "Store", "CAP", 4)):
        balance = merchant.balance(location, sku)
        assert (balance.quantity, balance.shopify_expected, merchant.available(sku, name)) == (shown,) * 3
        kinds = [(e.kind, e.quantity) for e in entries(location, sku)]
        assert kinds == [(MovementKind.OPENING, shown), (MovementKind.SALE, 0)]  # nothing subtracted twice
    # No other level was imported again.
    assert {key: len(entries(*key)) for key in before} == before

    merchant.sim.sim.advance(1)
    merchant.control("POST", "/orders", {"lines": [{"sku": "CAP", "quantity": 1}], "location": "Store"})
    merchant.deliver_events("orders/create")  # the two earlier deliveries again, and the new sale
    assert merchant.balance("store", "CAP").quantity == 3 == merchant.available("CAP", "Store")
    assert merchant.balance("pop-up", "TEE-S").quantity == 4

    code, again = ledgerctl(capsys, "map", SHOP, "--sku", "CAP")
    assert (code, again["opening_balances"], again["already_imported"], again["replayed"]) == (0, 0, 1, [])


def test_map_refuses_what_shopify_does_not_have_and_changes_nothing(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ledgerctl(capsys, "map", SHOP, "--sku", "CAP")[0] == 3  # not onboarded
    assert ledgerctl(capsys, "onboard", SHOP, "--primary-location", "Main Warehouse")[0] == 0
    assert ledgerctl(capsys, "map", SHOP)[0] == 2  # nothing named
    assert ledgerctl(capsys, "map", SHOP, "--sku", "NO-SUCH-SKU")[0] == 3
    assert ledgerctl(capsys, "map", SHOP, "--location", "Atlantis")[0] == 3
    assert "NO-SUCH-SKU" not in bootstrap.merchant_directory().skus(SHOP)


def test_mapping_a_second_variant_of_a_mapped_sku_adds_its_own_level_and_leaves_the_first_alone(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shopify lets two variants share a SKU: the merchant adds a large mug that also carries `MUG` (3 in
    the warehouse) and sells 1 of it before mapping it (parked: its variant is not MUG's level). `map
    --sku MUG` names the new item's level `MUG@<item id>`, imports it as Shopify shows it (2) and
    replays the sale into it; the first MUG level keeps its name, its history and its 5."""
    assert ledgerctl(capsys, "onboard", SHOP, "--primary-location", "Main Warehouse")[0] == 0
    first = bootstrap.merchant_directory().skus(SHOP)["MUG"]
    mug_entries = entries("main-warehouse", "MUG")
    merchant.sim.sim.advance(1)
    merchant.control("POST", "/seed", {"products": [{"title": "Large mug", "variants": [{"sku": "MUG"}]}]})
    large = next(v["inventory_item_id"] for v in merchant.control("GET", "")["variants"]
                 if v["sku"] == "MUG" and v["inventory_item_id"] != first)  # fmt: skip
    merchant.control("POST", "/seed", {"levels": [
        {"inventory_item_id": large, "location": "Main Warehouse", "available": 3}]})  # fmt: skip
    merchant.sim.sim.advance(1)
    merchant.control("POST", "/orders", {"lines": [{"inventory_item_id": large, "quantity": 1}]})
    assert merchant.deliver_events("orders/create") == 1
    [parked] = bootstrap.ledger().parked_events(SHOP)
    assert "not mapped" in parked.reason

    code, mapped = ledgerctl(capsys, "map", SHOP, "--sku", "MUG")
    assert code == 0, mapped
    level = f"MUG@{large}"
    assert mapped["skus"] == {"MUG": str(first), level: str(large)}
    assert (mapped["opening_balances"], len(mapped["replayed"]), mapped["still_parked"]) == (1, 1, {})
    assert bootstrap.merchant_directory().skus(SHOP)["MUG"] == first
    assert entries("main-warehouse", "MUG") == mug_entries
    assert merchant.balance("main-warehouse", "MUG").quantity == 5
    balance = merchant.balance("main-warehouse", level)
    assert balance.quantity == 2 == balance.shopify_expected
    assert [(e.kind, e.quantity) for e in entries("main-warehouse", level)] == [
        (MovementKind.OPENING, 2), (MovementKind.SALE, 0)]  # fmt: skip

    # The next sale of each variant moves its own level only.
    merchant.sim.sim.advance(1)
    merchant.control("POST", "/orders", {"lines": [{"inventory_item_id": large, "quantity": 1},
                                                   {"inventory_item_id": first, "quantity": 2}]})  # fmt: skip
    merchant.deliver_events("orders/create")
    assert (merchant.balance("main-warehouse", level).quantity, merchant.balance("main-warehouse", "MUG").quantity) == (
        1, 3)  # fmt: skip
