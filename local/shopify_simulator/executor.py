"""One GraphQL Admin request, end to end: parse, validate, cost, throttle, execute, answer.

The order follows what Shopify's answers show: static validation and variable errors come back
without a cost block (capture legacySetShape); a query over the single-query cap is refused before
anything is charged; an input array above 250 items is refused after the requested cost is
charged, with actualQueryCost null (capture 2026-04_media_media-file-create-batch-size-limit);
a THROTTLED answer is HTTP 200 with extensions.code THROTTLED (Shopify's CLI retries on exactly
that: https://github.com/Shopify/cli/pull/8317).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_operation_root_type,
    is_non_null_type,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values
from graphql.utilities import coerce_input_value, type_from_ast

from .cost import MAX_SINGLE_QUERY_COST, CostCalculator
from .execution import run_document
from .graph import ExecContext
from .mutations import mutation_root
from .queries import query_root
from .schema import get_schema
from .state import Shop, SimulatorState

logger = logging.getLogger(__name__)
MAX_INPUT_ARRAY = 250
RATE_LIMIT_DOC = "https://shopify.dev/api/usage/rate-limits"


def _max_cost_message(cost: int) -> str:
    # Wording as Shopify answers it (quoted in https://github.com/Shopify/shopify-app-template-remix/issues/503).
    return (
        f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_SINGLE_QUERY_COST}).\n\n"
        "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
        "cost of a query is calculated.\n\n"
        "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
        "See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n"
    )


def _shopify_validation_error(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's wording -> graphql-ruby's (Shopify runs graphql-ruby) for the common cases."""
    out: dict[str, Any] = dict(error.formatted)
    msg = error.message
    if m := re.fullmatch(r"Cannot query field '(\w+)' on type '(\w+)'\.(?: Did you mean .*)?", msg):
        out["message"] = f"Field '{m[1]}' doesn't exist on type '{m[2]}'"
        out["extensions"] = {"code": "undefinedField", "typeName": m[2], "fieldName": m[1]}
    elif m := re.fullmatch(r"Field '(\w+)' argument '(\w+)' of type '.+' is required, but it was not provided\.", msg):
        out["message"] = f"Field '{m[1]}' is missing required arguments: {m[2]}"
        out["extensions"] = {"code": "missingRequiredArguments", "className": "Field", "name": m[1], "arguments": m[2]}
    elif m := re.fullmatch(r"Unknown argument '(\w+)' on field '\w+\.(\w+)'\.(?: Did you mean .*)?", msg):
        out["message"] = f"Field '{m[2]}' doesn't accept argument '{m[1]}'"
        out["extensions"] = {"code": "argumentNotAccepted", "name": m[2], "typeName": "Field", "argumentName": m[1]}
    else:
        out.setdefault("extensions", {"code": "GRAPHQL_VALIDATION_FAILED"})
    return out


def _explain(message: str) -> tuple[str, list[str]]:
    """(graphql-ruby's explanation, the field it names, if any, to extend the problem path)."""
    if m := re.fullmatch(r"Field '(\w+)' is not defined by type '(\w+)'\.(?: Did you mean .*)?", message):
        return f"Field is not defined on {m[2]}", [m[1]]
    if m := re.fullmatch(r"Field '(\w+)' of required type '.+' was not provided\.", message):
        return "Expected value to not be null", [m[1]]
    if message.startswith("Expected non-nullable type"):
        return "Expected value to not be null", []
    return message, []


def _variable_errors(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Shopify's INVALID_VARIABLE answers (capture legacySetShape)."""
    errors: list[dict[str, Any]] = []
    for var_def in operation.variable_definitions or ():
        name = var_def.variable.name.value
        var_type = type_from_ast(schema, var_def.type)
        problems: list[dict[str, Any]] = []
        if name not in raw or raw[name] is None:
            if var_def.default_value is None and var_type is not None and is_non_null_type(var_type):
                problems.append({"path": [], "explanation": "Expected value to not be null"})
        elif var_type is not None:

            def on_error(path: list[str | int], _invalid: Any, error: GraphQLError) -> None:
                explanation, extra = _explain(error.message)
                problems.append({"path": [*path, *extra], "explanation": explanation})  # noqa: B023

            coerce_input_value(raw[name], var_type, on_error)  # type: ignore[arg-type]
        if not problems:
            continue
        detail = ", ".join(
            (f"for {'.'.join(str(p) for p in pr['path'])} " if pr["path"] else "") + f"({pr['explanation']})"
            for pr in problems
        )
        loc = var_def.loc.source.get_location(var_def.loc.start) if var_def.loc and var_def.loc.source else None
        errors.append(
            {
                "message": f"Variable ${name} of type {var_type} was provided invalid value {detail}",
                "locations": [{"line": loc.line, "column": loc.column}] if loc else [],
                "extensions": {"code": "INVALID_VARIABLE", "value": raw.get(name), "problems": problems},
            }
        )
    return errors


def _oversized_inputs(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Any input array above 250 items is refused before execution (MAX_INPUT_SIZE_EXCEEDED)."""
    root = get_operation_root_type(schema, operation)
    errors: list[dict[str, Any]] = []

    def walk(value: Any, path: list[str]) -> tuple[list[str], int] | None:
        if isinstance(value, list):
            if len(value) > MAX_INPUT_ARRAY:
                return path, len(value)
            for item in value:
                found = walk(item, path)
                if found:
                    return found
        elif isinstance(value, dict):
            for key, item in value.items():
                found = walk(item, [*path, key])
                if found:
                    return found
        return None

    for sel in operation.selection_set.selections:
        if not isinstance(sel, FieldNode) or sel.name.value not in root.fields:
            continue
        try:
            args = get_argument_values(root.fields[sel.name.value], sel, dict(variables))
        except GraphQLError:
            continue
        key = sel.alias.value if sel.alias else sel.name.value
        for arg_name, value in args.items():
            found = walk(value, [key, arg_name])
            if found:
                loc = sel.loc.source.get_location(sel.loc.start) if sel.loc and sel.loc.source else None
                errors.append(
                    {
                        "message": f"The input array size of {found[1]} is greater than the maximum allowed of "
                        f"{MAX_INPUT_ARRAY}.",
                        "locations": [{"line": loc.line, "column": loc.column}] if loc else [],
                        "path": found[0],
                        "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
                    }
                )
    return errors


def _select_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((op for op in ops if op.name and op.name.value == name), None)
    return ops[0] if len(ops) == 1 else None


def handle(state: SimulatorState, shop: Shop, version: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer (always HTTP 200 from here) to one GraphQL request body."""
    schema = get_schema(version)
    query = payload.get("query")
    raw_vars = payload.get("variables") or {}
    if not isinstance(query, str) or not isinstance(raw_vars, dict):
        return {"errors": [{"message": "No query string was present"}]}
    try:
        document = parse(query)
    except GraphQLError as exc:
        return {"errors": [exc.formatted]}
    validation = validate(schema, document)
    if validation:
        return {"errors": [_shopify_validation_error(e) for e in validation]}
    operation = _select_operation(document, payload.get("operationName"))
    if operation is None:
        return {"errors": [{"message": "An operation name is required"}]}
    var_errors = _variable_errors(schema, operation, raw_vars)
    if var_errors:
        return {"errors": var_errors}

    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    calc = CostCalculator(schema, fragments, raw_vars)
    requested = calc.requested(operation)
    bucket = shop.bucket

    def cost_block(actual: int | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": bucket.status(),
            }
        }

    if requested > MAX_SINGLE_QUERY_COST:
        error = {
            "message": _max_cost_message(requested),
            "extensions": {
                "code": "MAX_COST_EXCEEDED",
                "cost": requested,
                "maxCost": MAX_SINGLE_QUERY_COST,
                "documentation": RATE_LIMIT_DOC,
            },
        }
        return {"errors": [error], "extensions": cost_block(None)}
    if not bucket.try_take(requested):
        error = {"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOC}}
        return {"errors": [error], "extensions": cost_block(None)}
    oversized = _oversized_inputs(schema, operation, raw_vars)
    if oversized:
        return {"errors": oversized, "extensions": cost_block(None)}

    ctx = ExecContext(state=state, shop=shop, version=version, variables=dict(raw_vars))
    root = mutation_root() if operation.operation == OperationType.MUTATION else query_root(ctx)
    with state.lock:
        result = run_document(schema, document, root, ctx, raw_vars, payload.get("operationName"))
    actual = min(calc.actual(operation, result.data), requested)
    bucket.refund(requested - actual)
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [_public_error(e) for e in result.errors]
    body["data"] = result.data
    extensions = cost_block(actual)
    if ctx.search:
        extensions = {"search": ctx.search, **extensions}
    body["extensions"] = extensions
    return body


INTERNAL_ERROR = "Internal error. Looks like something went wrong on our end."


def _public_error(error: GraphQLError) -> dict[str, Any]:
    """An error as the client sees it. A Python exception in a resolver is a simulator bug: Shopify
    would answer an internal error, so do we, and never show the exception's text."""
    if error.original_error is None or isinstance(error.original_error, GraphQLError):
        return dict(error.formatted)
    logger.error("simulator resolver failed at %s", error.path, exc_info=error.original_error)
    out: dict[str, Any] = {"message": INTERNAL_ERROR, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
    if error.path is not None:
        out["path"] = list(error.path)
    return out
