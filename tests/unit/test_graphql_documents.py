"""Every GraphQL document of the project validates against Shopify's real Admin schema.

Documents are discovered by iterating ``inventory_ledger.adapters.shopify.documents``: any string
constant there that parses as GraphQL is checked, so a new document cannot escape this test.
The schema SDL is the stored introspection of a real store (``reference/shopify/schema/``).
"""

from pathlib import Path

import pytest
from graphql import DocumentNode, GraphQLSchema, OperationType, build_schema, parse, validate
from graphql.language import FieldNode, OperationDefinitionNode

from inventory_ledger.adapters.shopify import documents

SCHEMA_DIR = Path(__file__).parents[2] / "reference" / "shopify" / "schema"
PINNED_VERSION = "2026-07"
VERSIONS = [PINNED_VERSION, "2026-04"]
# Mutations Shopify refuses without @idempotent(key:) from 2026-04 (FACTS.md; the captures).
IDEMPOTENT_MUTATIONS = {"inventorySetQuantities", "inventoryAdjustQuantities", "inventoryMoveQuantities"}


def discover_documents() -> dict[str, str]:
    """The public str constants of documents.py: each one a whole document (a private one is a part)."""
    found = {}
    for name in dir(documents):
        value = getattr(documents, name)
        if name.isupper() and not name.startswith("_") and isinstance(value, str) and value.strip():
            found[name] = value
    return found


DOCUMENTS = discover_documents()


@pytest.fixture(scope="module", params=VERSIONS)
def schema(request: pytest.FixtureRequest) -> GraphQLSchema:
    path = SCHEMA_DIR / f"admin-{request.param}.graphql"
    if not path.is_file():
        pytest.fail(f"Shopify schema not found at {path.resolve()} (the shared reference checkout)")
    # graphql-core 3.2.x; 3.3 would need assume_valid=True for this SDL (DESIGN.md).
    return build_schema(path.read_text(encoding="utf-8"))


def test_discovery_finds_every_document() -> None:
    assert {
        "INVENTORY_SET_QUANTITIES",
        "INVENTORY_ADJUST_QUANTITIES",
        "LOCATIONS_PAGE",
        "PRODUCT_VARIANTS_PAGE",
        "LOCATION_INVENTORY_LEVELS_PAGE",
        "BULK_LEVELS_QUERY",
        "BULK_LEVELS_RUN",
        "BULK_OPERATION_STATUS",
    } <= DOCUMENTS.keys()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_against_the_schema(schema: GraphQLSchema, name: str) -> None:
    errors = validate(schema, parse(DOCUMENTS[name]))
    assert [e.message for e in errors] == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_inventory_mutations_carry_idempotent(name: str) -> None:
    for field in _mutation_root_fields(parse(DOCUMENTS[name])):
        if field.name.value in IDEMPOTENT_MUTATIONS:
            directives = {d.name.value for d in field.directives or ()}
            assert "idempotent" in directives, f"{name}: {field.name.value} lacks @idempotent(key:)"


def test_a_wrong_document_fails_validation(schema: GraphQLSchema) -> None:
    # A field that does not exist, a missing required argument and an unused variable.
    wrong = """
    mutation Wrong($input: InventorySetQuantitiesInput!, $unused: String) {
      inventorySetQuantities(input: $input) {
        inventoryAdjustmentGroup { noSuchField }
        userErrors { field message code }
      }
      bulkOperationRunQuery { bulkOperation { id } }
    }
    """
    messages = [e.message for e in validate(schema, parse(wrong))]
    assert any("noSuchField" in m for m in messages)
    assert any("query" in m and "required" in m for m in messages)
    assert any("$unused" in m for m in messages)


def test_idempotent_check_catches_a_missing_directive() -> None:
    doc = parse(
        "mutation M($input: InventorySetQuantitiesInput!) {"
        " inventorySetQuantities(input: $input) { userErrors { code } } }"
    )
    (field,) = _mutation_root_fields(doc)
    assert not field.directives


def _mutation_root_fields(document: DocumentNode) -> list[FieldNode]:
    return [
        selection
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode) and definition.operation is OperationType.MUTATION
        for selection in definition.selection_set.selections
        if isinstance(selection, FieldNode)
    ]
