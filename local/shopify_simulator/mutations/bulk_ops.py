"""bulkOperationRunQuery and bulkOperationCancel."""

from __future__ import annotations

from graphql import GraphQLResolveInfo

from ..bulk import (
    ACTIVE,
    concurrency_limit,
    flatten,
    in_progress_message,
    new_operation,
    refresh_bulk,
    validate_bulk_query,
)
from ..execution import run_for_bulk
from ..graph import ExecContext, Obj
from ..ids import parse_gid_of
from ..objects import bulk_obj
from ..schema import get_schema
from .common import user_error


def run_query(info: GraphQLResolveInfo, query: str, groupObjects: bool = False) -> Obj:
    ctx: ExecContext = info.context
    shop = ctx.shop
    refresh_bulk(ctx.state, shop)
    active = [op for op in shop.bulk_operations.values() if op.type == "QUERY" and op.status in ACTIVE]
    if len(active) >= concurrency_limit(ctx.version):
        err = user_error("BulkOperationUserError", None, in_progress_message(shop) or "", "OPERATION_IN_PROGRESS")
        return Obj("BulkOperationRunQueryPayload", bulkOperation=None, userErrors=[err])
    document, problem = validate_bulk_query(get_schema(ctx.version), query)
    if problem is not None:
        err = user_error("BulkOperationUserError", ["query"], problem, "INVALID")
        return Obj("BulkOperationRunQueryPayload", bulkOperation=None, userErrors=[err])
    data = run_for_bulk(ctx, document)
    lines, roots = flatten(data)
    op = new_operation(ctx.state, shop, query, lines, roots)
    return Obj("BulkOperationRunQueryPayload", bulkOperation=bulk_obj(shop, op, ctx.state.base_url), userErrors=[])


def cancel(info: GraphQLResolveInfo, id: str) -> Obj:
    ctx: ExecContext = info.context
    shop = ctx.shop
    refresh_bulk(ctx.state, shop)
    num = parse_gid_of("BulkOperation", id)
    op = shop.bulk_operations.get(num) if num is not None else None
    if op is None:
        err = user_error("UserError", ["id"], "Bulk operation does not exist", None)
        return Obj("BulkOperationCancelPayload", bulkOperation=None, userErrors=[err])
    if op.status in ("CREATED", "RUNNING"):
        op.status = "CANCELING"
    return Obj("BulkOperationCancelPayload", bulkOperation=bulk_obj(shop, op, ctx.state.base_url), userErrors=[])
