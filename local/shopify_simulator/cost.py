"""Query cost: Shopify's published rules, with the page pricing fitted to Shopify's own answers.

Published (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits, "Cost calculation"):
every field has a cost, by default from what it returns: scalars and enums 0, objects 1, interfaces
and unions the maximum of their possible selections, connections sized by `first`/`last`, mutations
10. The requested cost is computed before execution, the actual cost from what came back.

What the page does not say, fitted to the `extensions.cost` of real answers (the captures in
reference/shopify/payloads/graphql-captures-*, and the same recorder's public captures
airhorns/shopify-draft-proxy fixtures/conformance/*/2026-04/products/inventory-item-levels-connection-
windowing-2026-04.json, inventory-live-hybrid-cold-authoritative-reads.json, inventory-move-adjustment-
group-shape.json and admin-platform/connection-overlay-windowing.json: 14 of their answers, worked by hand):

- requested, a connection: 2 + ceil(item x max(1, log2(size) + 0.5)), size = `first` or `last`,
  item = the cost of one node with its selection. Pages grow logarithmically, not linearly
  (first: 5 of a 3-point item is 11, first: 10 is 14, first: 50 is 21). The exact curve between the
  sizes seen (1, 5, 10, 50) is ours: any offset in (0.43, 0.68] fits them.
- actual, a connection: 2 + 1 per node returned + the cost of the nodes' selection once (Shopify loads
  a page's children together), + 1 per node after the first when the connection was searched with
  `query:` (seen on four searched pages of up to two nodes).
- a plain list of objects (InventoryLevel.quantities, InventoryAdjustmentGroup.changes) costs like one
  object, both ways.
- a mutation's 10 points cover its payload object and the objects directly on it
  (inventorySetQuantities selecting inventoryAdjustmentGroup { changes { item location } } costs 13;
  productVariantsBulkUpdate { product productVariants { inventoryItem } } 11); when the payload's
  object comes back null the actual cost is 10.
- actual only: fields answered from the parent's own record cost nothing (ACTUAL_FREE_FIELDS; the
  hydrate capture's measurement { weight } and selectedOptions).
Not seen, so ours: `nodes(ids:)` with more than one id (costed as for one).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    value_from_ast_untyped,
)

from .jsonish import JsonValue

MUTATION_COST = 10
CONNECTION_COST = 2
OBJECT_COST = 1
PAGE_LOG_OFFSET = 0.5
MAX_SINGLE_QUERY_COST = 1000  # https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
ACTUAL_FREE_FIELDS = frozenset(
    {
        ("InventoryItem", "measurement"),
        ("InventoryItemMeasurement", "weight"),
        ("ProductVariant", "selectedOptions"),
    }
)


def page_factor(size: int) -> float:
    """How many items a requested page of `size` is charged for (0 for an empty page)."""
    if size <= 0:
        return 0.0
    return max(1.0, math.log2(size) + PAGE_LOG_OFFSET)


def connection_requested(size: int, item: int) -> int:
    return CONNECTION_COST + math.ceil(item * page_factor(size))


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def is_connection(field_def: GraphQLField) -> bool:
    named = get_named_type(field_def.type)
    return named.name.endswith("Connection") and ("first" in field_def.args or "last" in field_def.args)


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _fields_of(type_: GraphQLNamedType | None) -> Mapping[str, GraphQLField]:
    return type_.fields if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType) else {}


def _present(values: JsonValue) -> list[JsonValue]:
    return [v for v in values if v is not None] if isinstance(values, list) else []


@dataclass(frozen=True)
class _Item:
    """One kind of node a connection holds, as selected (through `nodes` or `edges { node }`)."""

    type_: GraphQLNamedType
    selection: SelectionSetNode | None
    values: Sequence[JsonValue]


class CostCalculator:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, JsonValue],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    # -- selection helpers -------------------------------------------------------------------
    def _groups(self, selection_set: SelectionSetNode | None) -> dict[str | None, list[FieldNode]]:
        """Fields by type condition (None: unconditional), fragments flattened."""
        groups: dict[str | None, list[FieldNode]] = {}
        if selection_set is None:
            return groups

        def walk(sel_set: SelectionSetNode, condition: str | None) -> None:
            for sel in sel_set.selections:
                if isinstance(sel, FieldNode):
                    groups.setdefault(condition, []).append(sel)
                elif isinstance(sel, InlineFragmentNode):
                    cond = sel.type_condition.name.value if sel.type_condition else condition
                    walk(sel.selection_set, cond)
                elif isinstance(sel, FragmentSpreadNode):
                    frag = self.fragments.get(sel.name.value)
                    if frag is not None:
                        walk(frag.selection_set, frag.type_condition.name.value)

        walk(selection_set, None)
        return groups

    def _all_fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        return [n for nodes in self._groups(selection_set).values() for n in nodes]

    def _arg(self, node: FieldNode, name: str) -> object:
        for arg in node.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, dict(self.variables))
        return None

    def _page_size(self, node: FieldNode) -> int:
        size = self._arg(node, "first") or self._arg(node, "last") or 0
        return size if isinstance(size, int) else 0

    def _root(self, operation: OperationDefinitionNode) -> GraphQLObjectType | None:
        if operation.operation == OperationType.MUTATION:
            return self.schema.mutation_type
        return self.schema.query_type

    def _field_def(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        field = _fields_of(parent).get(name)
        if field is None and isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            for obj in self.schema.get_possible_types(parent):
                if name in obj.fields:
                    found: GraphQLField = obj.fields[name]
                    return found
        return field

    def _item_kinds(self, connection_type: GraphQLNamedType, node: FieldNode, value: JsonValue) -> Iterator[_Item]:
        """The node selections of a connection field (`nodes { }`, `edges { node { } }`) and, for the
        actual cost, the node values returned."""
        fields = _fields_of(connection_type)
        answer = value if isinstance(value, Mapping) else {}
        for child in self._all_fields(node.selection_set):
            if child.name.value == "nodes" and "nodes" in fields:
                yield _Item(
                    get_named_type(fields["nodes"].type), child.selection_set, _present(answer.get(_key(child)))
                )
            elif child.name.value == "edges" and "edges" in fields:
                edge_fields = _fields_of(get_named_type(fields["edges"].type))
                edges = [e for e in _present(answer.get(_key(child))) if isinstance(e, Mapping)]
                for grand in self._all_fields(child.selection_set):
                    if grand.name.value == "node" and "node" in edge_fields:
                        values = _present([e.get(_key(grand)) for e in edges])
                        yield _Item(get_named_type(edge_fields["node"].type), grand.selection_set, values)

    # -- requested ---------------------------------------------------------------------------
    def requested(self, operation: OperationDefinitionNode) -> int:
        root = self._root(operation)
        total = 0
        for node in self._groups(operation.selection_set).get(None, []):
            fdef = self._field_def(root, node.name.value)
            if fdef is None:
                continue
            if operation.operation == OperationType.MUTATION:
                total += MUTATION_COST + self._payload_requested(fdef, node)
            else:
                total += self._field_requested(fdef, node)
        return total

    def _payload_requested(self, fdef: GraphQLField, node: FieldNode) -> int:
        payload = get_named_type(fdef.type)
        total = 0
        for child in self._groups(node.selection_set).get(None, []):
            cdef = self._field_def(payload, child.name.value)
            if cdef is None or is_leaf_type(get_named_type(cdef.type)):
                continue
            total += self._field_requested(cdef, child) - (0 if is_connection(cdef) else OBJECT_COST)
        return total

    def _selection_requested(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None) -> int:
        groups = self._groups(selection_set)
        base = self._fields_requested(parent, groups.get(None, []))
        conditional = [
            self._fields_requested(self.schema.get_type(cond) or parent, nodes)
            for cond, nodes in groups.items()
            if cond is not None
        ]
        return base + (max(conditional) if conditional else 0)

    def _fields_requested(self, parent: GraphQLNamedType, nodes: list[FieldNode]) -> int:
        total = 0
        for node in nodes:
            fdef = self._field_def(parent, node.name.value)
            if fdef is not None:
                total += self._field_requested(fdef, node)
        return total

    def _field_requested(self, fdef: GraphQLField, node: FieldNode) -> int:
        named = get_named_type(fdef.type)
        if is_leaf_type(named):
            return 0
        if is_connection(fdef):
            item = max(
                (
                    OBJECT_COST + self._selection_requested(k.type_, k.selection)
                    for k in self._item_kinds(named, node, None)
                ),
                default=0,
            )
            return connection_requested(self._page_size(node), item)
        return OBJECT_COST + self._selection_requested(named, node.selection_set)

    # -- actual ------------------------------------------------------------------------------
    def actual(self, operation: OperationDefinitionNode, data: Mapping[str, JsonValue] | None) -> int:
        if not data:
            return MUTATION_COST if operation.operation == OperationType.MUTATION else 0
        root = self._root(operation)
        total = 0
        for node in self._groups(operation.selection_set).get(None, []):
            fdef = self._field_def(root, node.name.value)
            if fdef is None or _key(node) not in data:
                continue
            if operation.operation == OperationType.MUTATION:
                total += MUTATION_COST + self._payload_actual(fdef, node, data[_key(node)])
            else:
                total += self._field_actual(fdef, node, data[_key(node)], None)
        return total

    def _payload_actual(self, fdef: GraphQLField, node: FieldNode, value: JsonValue) -> int:
        if not isinstance(value, Mapping):
            return 0
        payload = get_named_type(fdef.type)
        total = 0
        for child in self._all_fields(node.selection_set):
            cdef = self._field_def(payload, child.name.value)
            if cdef is None or value.get(_key(child)) is None or is_leaf_type(get_named_type(cdef.type)):
                continue
            cost = self._field_actual(cdef, child, value[_key(child)], payload)
            total += cost - (0 if is_connection(cdef) else OBJECT_COST)
        return total

    def _object_actual(self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None, value: JsonValue) -> int:
        if not isinstance(value, Mapping):
            return 0
        typename = value.get("__typename")
        if is_abstract_type(parent) and isinstance(typename, str):
            parent = self.schema.get_type(typename) or parent
        total = 0
        for child in self._all_fields(selection_set):
            if _key(child) not in value:
                continue
            cdef = self._field_def(parent, child.name.value)
            if cdef is not None:
                total += self._field_actual(cdef, child, value[_key(child)], parent)
        return total

    def _field_actual(
        self, fdef: GraphQLField, node: FieldNode, value: JsonValue, parent: GraphQLNamedType | None
    ) -> int:
        named = get_named_type(fdef.type)
        if value is None or is_leaf_type(named):
            return 0
        if is_connection(fdef):
            return self._connection_actual(named, node, value)
        own = 0 if parent is not None and (parent.name, node.name.value) in ACTUAL_FREE_FIELDS else OBJECT_COST
        if _is_list(fdef.type) and isinstance(value, list):
            return own + max((self._object_actual(named, node.selection_set, v) for v in value), default=0)
        return own + self._object_actual(named, node.selection_set, value)

    def _connection_actual(self, connection_type: GraphQLNamedType, node: FieldNode, value: JsonValue) -> int:
        kinds = list(self._item_kinds(connection_type, node, value))
        returned = max((len(k.values) for k in kinds), default=0)
        children = max(
            (self._object_actual(k.type_, k.selection, v) for k in kinds for v in k.values),
            default=0,
        )
        searched = self._arg(node, "query") is not None
        search_extra = returned - 1 if searched and returned > 1 else 0
        return CONNECTION_COST + returned * OBJECT_COST + children + search_extra
