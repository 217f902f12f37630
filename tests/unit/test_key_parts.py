"""No two levels share a DynamoDB item, whatever their location names and SKUs contain."""

from hypothesis import given
from hypothesis import strategies as st

from inventory_ledger.adapters.dynamodb.items import key_part, level_pk
from inventory_ledger.domain.ledger import LevelKey

SHOP = "demo-shop.myshopify.com"
parts = st.text(alphabet=st.sampled_from("a#%23b"), max_size=6) | st.text(max_size=12)


@given(first=st.tuples(parts, parts), second=st.tuples(parts, parts))
def test_different_levels_never_share_a_partition_key(first: tuple[str, str], second: tuple[str, str]) -> None:
    if first != second:
        assert level_pk(LevelKey(SHOP, *first)) != level_pk(LevelKey(SHOP, *second))


def test_the_classic_collision_is_two_keys_and_plain_parts_are_unchanged() -> None:
    assert level_pk(LevelKey(SHOP, "a#b", "c")) != level_pk(LevelKey(SHOP, "a", "b#c"))
    assert level_pk(LevelKey(SHOP, "store-a", "TEE-RED")) == f"LEVEL#{SHOP}#store-a#TEE-RED"
    assert key_part("100%#") == "100%25%23"
