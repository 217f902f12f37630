"""Query cost, by Shopify's published rules.

Rules (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits and Shopify's engineering
post https://shopify.engineering/rate-limiting-graphql-apis-calculating-query-complexity):
scalars and enums cost 0, objects 1, interfaces and unions the maximum of their possible
selections, connections 2 plus `first`/`last` times the cost of one item, mutations 10.
Requested cost is computed before execution; actual cost from what was returned (a null object
costs nothing, a connection pays only for the items it returned).

Two details are fitted to the captures in shared/shopify/payloads/graphql-captures-*, which were
recorded against a real store: the 10 points of a mutation cover its payload object and the
fields directly on it (inventorySetQuantities selecting inventoryAdjustmentGroup { changes { item
location } } costs 13, the same without `item` 12, bulkOperationRunQuery { bulkOperation {...} }
10, and 10 when the group comes back null); and a plain list of objects (not a connection, e.g.
InventoryAdjustmentGroup.changes, InventoryLevel.quantities) costs like one object, not one per
element.

Departure: Shopify now prices large connection pages below first x item (the captures show
requestedQueryCost 15 for inventoryLevels(first: 5) with two objects per item, and a community
report shows 25 for variants(first: 250)). We keep the published linear rule, so our requested
cost is never lower than Shopify's: a client that budgets with it waits more, never less.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    value_from_ast_untyped,
)

MUTATION_COST = 10
CONNECTION_COST = 2
OBJECT_COST = 1
MAX_SINGLE_QUERY_COST = 1000  # https://help.shopify.com/en/api/graphql-admin-api/call-limit


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def is_connection(field_def: GraphQLField) -> bool:
    named = get_named_type(field_def.type)
    return named.name.endswith("Connection") and ("first" in field_def.args or "last" in field_def.args)


class CostCalculator:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
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

    def _arg(self, node: FieldNode, name: str) -> Any:
        for arg in node.arguments or ():
            if arg.name.value == name:
                return value_from_ast_untyped(arg.value, self.variables)
        return None

    def _field_def(self, parent: Any, name: str) -> GraphQLField | None:
        fields = getattr(parent, "fields", None)
        if not fields:
            return None
        return fields.get(name)

    # -- requested ---------------------------------------------------------------------------
    def requested(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.mutation_type if operation.operation == OperationType.MUTATION else self.schema.query_type
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

    def _selection_requested(self, parent: Any, selection_set: SelectionSetNode | None) -> int:
        groups = self._groups(selection_set)
        base = self._fields_requested(parent, groups.get(None, []))
        conditional = [
            self._fields_requested(self.schema.get_type(cond) or parent, nodes)
            for cond, nodes in groups.items()
            if cond is not None
        ]
        return base + (max(conditional) if conditional else 0)

    def _fields_requested(self, parent: Any, nodes: list[FieldNode]) -> int:
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
            size = self._arg(node, "first") or self._arg(node, "last") or 0
            return CONNECTION_COST + int(size) * self._item_requested(named, node)
        return OBJECT_COST + self._selection_requested(named, node.selection_set)

    def _item_requested(self, connection_type: Any, node: FieldNode) -> int:
        """The cost of one item of a connection: its node (via edges or nodes) and its children."""
        total = 0
        for child in self._groups(node.selection_set).get(None, []):
            name = child.name.value
            if name == "nodes":
                item_type = get_named_type(connection_type.fields["nodes"].type)
                total += OBJECT_COST + self._selection_requested(item_type, child.selection_set)
            elif name == "edges":
                edge_type = get_named_type(connection_type.fields["edges"].type)
                for grand in self._groups(child.selection_set).get(None, []):
                    if grand.name.value == "node":
                        item_type = get_named_type(edge_type.fields["node"].type)
                        total += OBJECT_COST + self._selection_requested(item_type, grand.selection_set)
        return total

    # -- actual ------------------------------------------------------------------------------
    def actual(self, operation: OperationDefinitionNode, data: Mapping[str, Any] | None) -> int:
        if not data:
            return MUTATION_COST if operation.operation == OperationType.MUTATION else 0
        root = self.schema.mutation_type if operation.operation == OperationType.MUTATION else self.schema.query_type
        total = 0
        for node in self._groups(operation.selection_set).get(None, []):
            key = node.alias.value if node.alias else node.name.value
            fdef = self._field_def(root, node.name.value)
            if fdef is None or key not in data:
                continue
            if operation.operation == OperationType.MUTATION:
                total += MUTATION_COST + self._payload_actual(fdef, node, data[key])
            else:
                total += self._field_actual(fdef, node, data[key])
        return total

    def _payload_actual(self, fdef: GraphQLField, node: FieldNode, value: Any) -> int:
        if not isinstance(value, Mapping):
            return 0
        payload = get_named_type(fdef.type)
        total = 0
        for child in self._all_fields(node.selection_set):
            key = child.alias.value if child.alias else child.name.value
            cdef = self._field_def(payload, child.name.value)
            if cdef is None or key not in value or value[key] is None:
                continue
            if is_leaf_type(get_named_type(cdef.type)):
                continue
            cost = self._field_actual(cdef, child, value[key])
            total += cost - (0 if is_connection(cdef) else OBJECT_COST)
        return total

    def _all_fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        return [n for nodes in self._groups(selection_set).values() for n in nodes]

    def _object_actual(self, parent: Any, selection_set: SelectionSetNode | None, value: Any) -> int:
        if not isinstance(value, Mapping):
            return 0
        typename = value.get("__typename")
        if is_abstract_type(parent) and isinstance(typename, str):
            parent = self.schema.get_type(typename) or parent
        total = 0
        for child in self._all_fields(selection_set):
            key = child.alias.value if child.alias else child.name.value
            if key not in value:
                continue
            cdef = self._field_def(parent, child.name.value)
            if cdef is None and is_abstract_type(parent):
                cdef = self._field_in_possible_types(parent, child.name.value)
            if cdef is not None:
                total += self._field_actual(cdef, child, value[key])
        return total

    def _field_in_possible_types(self, abstract: Any, name: str) -> GraphQLField | None:
        for obj in self.schema.get_possible_types(abstract):
            if isinstance(obj, GraphQLObjectType) and name in obj.fields:
                return obj.fields[name]
        return None

    def _field_actual(self, fdef: GraphQLField, node: FieldNode, value: Any) -> int:
        named = get_named_type(fdef.type)
        if value is None or is_leaf_type(named):
            return 0
        if is_connection(fdef):
            return CONNECTION_COST + self._connection_items_actual(named, node, value)
        if _is_list(fdef.type) and isinstance(value, list):
            costs = [self._object_actual(named, node.selection_set, v) for v in value]
            return OBJECT_COST + (max(costs) if costs else 0)
        return OBJECT_COST + self._object_actual(named, node.selection_set, value)

    def _connection_items_actual(self, connection_type: Any, node: FieldNode, value: Any) -> int:
        if not isinstance(value, Mapping):
            return 0
        total = 0
        for child in self._all_fields(node.selection_set):
            key = child.alias.value if child.alias else child.name.value
            items = value.get(key)
            if child.name.value == "nodes" and isinstance(items, list):
                item_type = get_named_type(connection_type.fields["nodes"].type)
                total += sum(OBJECT_COST + self._object_actual(item_type, child.selection_set, v) for v in items)
            elif child.name.value == "edges" and isinstance(items, list):
                edge_type = get_named_type(connection_type.fields["edges"].type)
                item_type = get_named_type(edge_type.fields["node"].type)
                for edge in items:
                    for grand in self._all_fields(child.selection_set):
                        gkey = grand.alias.value if grand.alias else grand.name.value
                        if grand.name.value == "node" and isinstance(edge, Mapping) and edge.get(gkey):
                            total += OBJECT_COST + self._object_actual(item_type, grand.selection_set, edge[gkey])
        return total
