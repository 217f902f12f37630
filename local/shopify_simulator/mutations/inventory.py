"""inventorySetQuantities, inventoryAdjustQuantities, inventorySetOnHandQuantities.

Messages, codes and field paths reproduce the captures in
shared/shopify/payloads/graphql-captures-shopify-draft-proxy/2026-04_products_*.json.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLResolveInfo

from ..clock import iso
from ..graph import ExecContext, Obj
from ..ids import gid, parse_gid_of
from ..objects import item_obj, location_obj
from ..quantities import ADJUST_NAMES, MAX_QUANTITY, MIN_AVAILABLE, REASONS, SET_NAMES, deltas_for
from ..state import InventoryLevel, Shop
from ..webhooks import inventory_level_body
from .common import idempotency_key, require_change_from, user_error, with_idempotency

MSG_ITEM = "The specified inventory item could not be found."
MSG_LOCATION = "The specified location could not be found."
MSG_NOT_STOCKED = "The specified inventory item is not stocked at the location."
MSG_NEGATIVE = "The quantity can't be negative."
MSG_TOO_HIGH = "The quantity can't be higher than 1,000,000,000."
MSG_TOO_LOW = "The quantity can't be lower than -1,000,000,000."
MSG_SET_NAME = "The quantity name must be either 'available' or 'on_hand'."
MSG_ADJUST_NAME = "The specified quantity name is invalid. Valid values are: " + ", ".join(ADJUST_NAMES) + "."
MSG_REASON = "The specified reason is invalid. Valid values are: " + ", ".join(REASONS) + "."
MSG_DUPLICATE = "The combination of inventoryItemId and locationId must be unique."
# Wording from the schema's descriptions of the code: inventorySetQuantities words it one way,
# inventoryAdjustQuantities and inventorySetOnHandQuantities another.
MSG_STALE_SET = "The changeFromQuantity value does not match persisted value."
MSG_STALE = "The changeFromQuantity argument no longer matches the persisted quantity."
# ledgerDocumentUri rules, worded as the schema describes InventoryAdjustQuantitiesUserErrorCode.
MSG_LEDGER_INTERNAL = "Internal (gid://shopify/) ledger documents are not allowed to be adjusted via API."
MSG_LEDGER_AVAILABLE = "A ledger document URI is not allowed when adjusting available."
MSG_LEDGER_INVALID = "The specified ledger document is invalid."
MSG_LEDGER_REQUIRED = "A ledger document URI is required except when adjusting available."
MSG_LEDGER_MAX_ONE = (
    "All changes must have the same ledger document URI or, in the case of adjusting available, no ledger document URI."
)
MSG_REFERENCE_INVALID = "The specified reference document is invalid."
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


@dataclass
class Change:
    name: str
    delta: int
    item_id: int
    location_id: int
    ledger_document_uri: str | None = None


def _group(ctx: ExecContext, reason: str, uri: str | None, changes: list[Change]) -> Obj:
    shop: Shop = ctx.shop
    state = ctx.state
    group_id = state.ids.next()
    created = iso(state.clock.now())
    snapshot = [
        Obj(
            "InventoryChange",
            name=c.name,
            delta=c.delta,
            quantityAfterChange=None,  # Shopify answers null here (captures)
            ledgerDocumentUri=c.ledger_document_uri,
            item=item_obj(shop, shop.items[c.item_id]),
            location=location_obj(shop, shop.locations[c.location_id]),
        )
        for c in changes
    ]

    def changes_fn(
        info: GraphQLResolveInfo,
        inventoryItemIds: list[str] | None = None,
        locationIds: list[str] | None = None,
        quantityNames: list[str] | None = None,
    ) -> list[Obj]:
        out = []
        for change, obj in zip(changes, snapshot, strict=True):
            if inventoryItemIds is not None and gid("InventoryItem", change.item_id) not in inventoryItemIds:
                continue
            if locationIds is not None and gid("Location", change.location_id) not in locationIds:
                continue
            if quantityNames is not None and change.name not in quantityNames:
                continue
            out.append(obj)
        return out

    return Obj(
        "InventoryAdjustmentGroup",
        id=gid("InventoryAdjustmentGroup", group_id),
        createdAt=created,
        reason=reason,
        referenceDocumentUri=uri,
        changes=changes_fn,
    )


def _resolve_target(
    shop: Shop, entry: dict[str, Any], path: list[str], error_type: str, errors: list[Obj]
) -> InventoryLevel | None:
    item_id = parse_gid_of("InventoryItem", entry["inventoryItemId"])
    loc_id = parse_gid_of("Location", entry["locationId"])
    if item_id is None or item_id not in shop.items:
        errors.append(user_error(error_type, [*path, "inventoryItemId"], MSG_ITEM, "INVALID_INVENTORY_ITEM"))
        return None
    if loc_id is None or loc_id not in shop.locations or shop.locations[loc_id].deleted:
        errors.append(user_error(error_type, [*path, "locationId"], MSG_LOCATION, "INVALID_LOCATION"))
        return None
    level = shop.level(item_id, loc_id)
    if level is None or not shop.level_active(level):
        # An inactive level (or one at a deactivated location) is not stocked there.
        level = None
    if level is None:
        errors.append(user_error(error_type, [*path, "locationId"], MSG_NOT_STOCKED, "ITEM_NOT_STOCKED_AT_LOCATION"))
    return level


def _bounds(name: str, value: int, path: list[str], error_type: str) -> Obj | None:
    if value > MAX_QUANTITY:
        return user_error(error_type, path, MSG_TOO_HIGH, "INVALID_QUANTITY_TOO_HIGH")
    if name == "on_hand" and value < 0:
        return user_error(error_type, path, MSG_NEGATIVE, "INVALID_QUANTITY_NEGATIVE")
    if value < MIN_AVAILABLE:
        return user_error(error_type, path, MSG_TOO_LOW, "INVALID_QUANTITY_TOO_LOW")
    return None


def _duplicates(entries: list[dict[str, Any]], list_name: str, error_type: str) -> list[Obj]:
    pairs = [(e["inventoryItemId"], e["locationId"]) for e in entries]
    return [
        user_error(
            error_type,
            ["input", list_name, str(i), "locationId"],
            MSG_DUPLICATE,
            "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
        )
        for i, pair in enumerate(pairs)
        if pairs.count(pair) > 1
    ]


def _uri_errors(name: str, input: dict[str, Any], error_type: str) -> list[Obj]:
    """inventoryAdjustQuantities' document rules, one userError per offending input.

    `ledgerDocumentUri` is refused for `available` and required (a non-Shopify URI) for every other
    name, the same on every change; `referenceDocumentUri`, when given, must be a URI.
    """
    errors: list[Obj] = []
    reference = input.get("referenceDocumentUri")
    if reference is not None and not _URI.fullmatch(reference):
        errors.append(
            user_error(
                error_type, ["input", "referenceDocumentUri"], MSG_REFERENCE_INVALID, "INVALID_REFERENCE_DOCUMENT"
            )
        )
    uris: list[tuple[int, str]] = []
    for i, entry in enumerate(input["changes"]):
        uri = entry.get("ledgerDocumentUri")
        path = ["input", "changes", str(i), "ledgerDocumentUri"]
        if name == "available":
            if uri is not None:
                errors.append(user_error(error_type, path, MSG_LEDGER_AVAILABLE, "INVALID_AVAILABLE_DOCUMENT"))
        elif uri is None or not uri.strip():
            errors.append(user_error(error_type, path, MSG_LEDGER_REQUIRED, "INVALID_QUANTITY_DOCUMENT"))
        elif uri.startswith("gid://shopify/"):
            errors.append(user_error(error_type, path, MSG_LEDGER_INTERNAL, "INTERNAL_LEDGER_DOCUMENT"))
        elif not _URI.fullmatch(uri):
            errors.append(user_error(error_type, path, MSG_LEDGER_INVALID, "INVALID_LEDGER_DOCUMENT"))
        else:
            uris.append((i, uri))
    if uris and not errors:
        first = uris[0][1]
        errors.extend(
            user_error(
                error_type,
                ["input", "changes", str(i), "ledgerDocumentUri"],
                MSG_LEDGER_MAX_ONE,
                "MAX_ONE_LEDGER_DOCUMENT",
            )
            for i, uri in uris
            if uri != first
        )
    return errors


def _is_stale(shop: Shop, level: InventoryLevel, name: str, change_from: int | None) -> bool:
    key = (level.item_id, level.location_id)
    forced = shop.forced_stale.get(key, 0)
    if forced > 0:
        # Fault injection: as if Shopify had a change we have not seen.
        shop.forced_stale[key] = forced - 1
        return True
    return change_from is not None and int(level.get(name) or 0) != change_from


def _apply(ctx: ExecContext, level: InventoryLevel, stored_name: str, delta: int) -> None:
    """Move a stored quantity; on_hand moves through available. Sends inventory_levels/update."""
    if delta == 0:
        return  # a no-op write touches nothing (no updatedAt, no webhook)
    state = ctx.state
    now = state.clock.now()
    target = "available" if stored_name == "on_hand" else stored_name
    level.quantities[target] += delta
    level.updated_at[target] = now
    level.changed_at = now
    ctx.shop.items[level.item_id].updated_at = now
    if target == "available":
        state.emit(ctx.shop, "inventory_levels/update", inventory_level_body(level, now))


def _changes_for(name: str, delta: int, level: InventoryLevel, uri: str | None) -> list[Change]:
    """The changes one row reports; none for a zero delta (Shopify drops them from the group)."""
    return [
        Change(n, d, level.item_id, level.location_id, uri if n not in ("available", "on_hand") else None)
        for n, d in deltas_for(name, delta).items()
        if d != 0
    ]


def _payload(ctx: ExecContext, payload_type: str, input: dict[str, Any], changes: list[Change]) -> Obj:
    """The success payload: a group of the changes made, or a null group when nothing changed.

    Shopify answers a write that changes nothing with `inventoryAdjustmentGroup: null` and no
    userErrors (no group is created, so none can be read back).
    """
    group = _group(ctx, input["reason"], input.get("referenceDocumentUri"), changes) if changes else None
    return Obj(payload_type, inventoryAdjustmentGroup=group, userErrors=[])


@dataclass
class _Target:
    """A validated row: where it writes, its changeFromQuantity, and the move it makes."""

    index: int
    level: InventoryLevel
    change_from: int | None
    delta: int
    ledger_document_uri: str | None = None


Check = Callable[[Shop, str], tuple[list[Obj], list[_Target]]]


def _reason_errors(input: dict[str, Any], error_type: str) -> list[Obj]:
    if input["reason"] in REASONS:
        return []
    return [user_error(error_type, ["input", "reason"], MSG_REASON, "INVALID_REASON")]


def _set_targets(
    shop: Shop, input: dict[str, Any], list_name: str, name: str, error_type: str
) -> tuple[list[Obj], list[_Target]]:
    """The rows of a set mutation: each level resolved and its new quantity in bounds, no pair twice."""
    reason_errors = _reason_errors(input, error_type)
    if reason_errors:
        return reason_errors, []
    entries: list[dict[str, Any]] = input[list_name]
    errors: list[Obj] = []
    targets: list[_Target] = []
    for i, entry in enumerate(entries):
        path = ["input", list_name, str(i)]
        level = _resolve_target(shop, entry, path, error_type, errors)
        bound = _bounds(name, entry["quantity"], [*path, "quantity"], error_type)
        if bound is not None:
            errors.append(bound)
        if level is not None and bound is None:
            delta = entry["quantity"] - int(level.get(name) or 0)
            targets.append(_Target(i, level, entry.get("changeFromQuantity"), delta))
    errors.extend(_duplicates(entries, list_name, error_type))
    return errors, targets


def _write(
    info: GraphQLResolveInfo,
    input: dict[str, Any],
    kind: str,
    list_name: str,
    input_type: str,
    name: str,
    stale_message: str,
    check: Check,
) -> Obj:
    """One inventory write: `check` validates every row, then changeFromQuantity is compared on each
    (one stale row refuses the whole call, nothing applied), then every row is applied as one group."""
    ctx: ExecContext = info.context
    shop: Shop = ctx.shop
    error_type, payload_type = f"{kind}UserError", f"{kind}Payload"
    require_change_from(info, ctx, input[list_name], input_type)
    key = idempotency_key(info, ctx)

    def run() -> tuple[Obj, bool]:
        errors, targets = check(shop, error_type)
        if not errors:
            errors = [
                user_error(
                    error_type,
                    ["input", list_name, str(t.index), "changeFromQuantity"],
                    stale_message,
                    "CHANGE_FROM_QUANTITY_STALE",
                )
                for t in targets
                if _is_stale(shop, t.level, name, t.change_from)
            ]
        if errors:
            return Obj(payload_type, inventoryAdjustmentGroup=None, userErrors=errors), False
        changes: list[Change] = []
        for t in targets:
            _apply(ctx, t.level, name, t.delta)
            changes.extend(_changes_for(name, t.delta, t.level, t.ledger_document_uri))
        return _payload(ctx, payload_type, input, changes), True

    return with_idempotency(info, ctx, key, input, error_type, payload_type, run)


def set_quantities(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    name = input["name"]

    def check(shop: Shop, error_type: str) -> tuple[list[Obj], list[_Target]]:
        if name not in SET_NAMES:
            return [user_error(error_type, ["input", "name"], MSG_SET_NAME, "INVALID_NAME")], []
        return _set_targets(shop, input, "quantities", name, error_type)

    return _write(
        info, input, "InventorySetQuantities", "quantities", "InventoryQuantityInput", name, MSG_STALE_SET, check
    )


def set_on_hand_quantities(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    def check(shop: Shop, error_type: str) -> tuple[list[Obj], list[_Target]]:
        return _set_targets(shop, input, "setQuantities", "on_hand", error_type)

    return _write(
        info,
        input,
        "InventorySetOnHandQuantities",
        "setQuantities",
        "InventorySetQuantityInput",
        "on_hand",
        MSG_STALE,
        check,
    )


def adjust_quantities(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    name = input["name"]

    def check(shop: Shop, error_type: str) -> tuple[list[Obj], list[_Target]]:
        if name not in ADJUST_NAMES:
            return [user_error(error_type, ["input", "name"], MSG_ADJUST_NAME, "INVALID_QUANTITY_NAME")], []
        early = _reason_errors(input, error_type) or _uri_errors(name, input, error_type)
        if early:
            return early, []
        errors: list[Obj] = []
        targets: list[_Target] = []
        for i, entry in enumerate(input["changes"]):
            path = ["input", "changes", str(i)]
            level = _resolve_target(shop, entry, path, error_type, errors)
            if level is None:
                continue
            after = int(level.get(name) or 0) + entry["delta"]
            bound = _bounds(name, after, [*path, "delta"], error_type)
            if bound is not None:
                errors.append(bound)
            else:
                uri = entry.get("ledgerDocumentUri")
                targets.append(_Target(i, level, entry.get("changeFromQuantity"), entry["delta"], uri))
        return errors, targets

    return _write(info, input, "InventoryAdjustQuantities", "changes", "InventoryChangeInput", name, MSG_STALE, check)
