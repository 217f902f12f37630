"""Running a parsed document against the simulator's resolvers.

The one place a request (executor.py) and a bulk query's run (mutations/bulk_ops.py) execute a
document, so that neither imports the other: executor -> mutations -> bulk_ops -> execution, and
executor -> execution.
"""

from __future__ import annotations

from graphql import DocumentNode, ExecutionResult, GraphQLSchema, execute

from .graph import ExecContext, Obj, field_resolver, type_resolver
from .jsonish import JsonObject, JsonValue
from .queries import query_root
from .schema import get_schema


def run_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    root: Obj,
    ctx: ExecContext,
    variables: dict[str, JsonValue] | None = None,
    operation_name: str | None = None,
) -> ExecutionResult:
    result = execute(
        schema,
        document,
        root_value=root,
        context_value=ctx,
        variable_values=variables,
        operation_name=operation_name,
        field_resolver=field_resolver,
        type_resolver=type_resolver,
    )
    if not isinstance(result, ExecutionResult):  # every resolver here is synchronous
        raise TypeError("asynchronous execution is not supported")
    return result


def run_for_bulk(ctx: ExecContext, document: DocumentNode) -> JsonObject:
    """Execute a bulk query's document with every connection unpaged."""
    bulk_ctx = ExecContext(state=ctx.state, shop=ctx.shop, version=ctx.version, bulk=True)
    result = run_document(get_schema(ctx.version), document, query_root(bulk_ctx), bulk_ctx)
    return dict(result.data) if result.data is not None else {}
