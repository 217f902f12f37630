"""Healing (Shopify set back to the ledger, compare-and-swap from the level just read) and adopting
(policy `adopt`: a Shopify-side edit becomes the ledger's count)."""

from collections.abc import Mapping
from datetime import datetime

from inventory_ledger.domain.drift import Comparison, DriftCause
from inventory_ledger.domain.ledger import ActivityEntry, Source
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.ports import PushRefused, TransientFailure
from inventory_ledger.service.reconcile.model import LocationResult, ReconcileDependencies, ShopRun
from inventory_ledger.service.repairs import adopt_shopify_edit, heal_activity
from inventory_ledger.service.send_pushes import send_pushes


def heal(
    candidates: list[Comparison],
    shopify_location_id: int,
    items_by_sku: Mapping[str, int],
    result: LocationResult,
    run: ShopRun,
    deps: ReconcileDependencies,
) -> None:
    """Sets Shopify to the ledger, compare-and-swap from the level just read: never a blind overwrite.

    A level Shopify moved since the read answers stale and is left for the next run.
    """
    expected_read = {}
    pushes = []
    for comparison in candidates:
        balance, level = comparison.balance, comparison.shopify
        assert balance is not None
        assert level is not None
        expected_read[balance.key] = balance.shopify_expected
        pushes.append(
            LevelPush(
                balance.key,
                balance.version,
                balance.quantity,
                level.available,
                items_by_sku[balance.key.sku],
                shopify_location_id,
            )
        )
    try:
        shopify = deps.shopify_inventory(run.shop)
    except (TransientFailure, PushRefused, LookupError) as error:
        for push in pushes:
            run.heal_notes[push.key] = f"not healed: no Shopify client ({error})"
        result.heal_skipped += len(pushes)
        return

    def acknowledge(applied: list[LevelPush]) -> None:
        for push in applied:
            deps.ledger.acknowledge_heal(push, expected_read[push.key], heal_entry(run.run_id, push, deps.now()))
            run.heal_notes[push.key] = "healed"
            result.healed += 1

    sent = send_pushes(pushes, shopify, acknowledge, kind="heal", scope=run.run_id)
    for push in sent.stale:
        run.heal_notes[push.key] = "stale: Shopify moved since it was read; left for the next run"
        result.heal_stale += 1
    for key, reason in sent.unsent.items():
        run.heal_notes[key] = f"not healed: {reason}"
        result.heal_skipped += 1


def heal_entry(run_id: str, push: LevelPush, at: datetime) -> ActivityEntry:
    key, source = push.key, Source(topic="reconciliation", operation_id=run_id, actor="drift_reconciler")
    reason = f"reconciliation {run_id}: Shopify showed {push.change_from}, set to the ledger's {push.quantity}"
    return heal_activity(
        key, f"heal/{run_id}/{key.location}/{key.sku}", push.quantity, push.version, at, source, reason
    )


ADOPTED_CAUSES = frozenset({DriftCause.ADMIN_EDIT, DriftCause.ADMIN_EDIT_SEEN})


def adopt_edits(
    candidates: list[Comparison], result: LocationResult, run: ShopRun, deps: ReconcileDependencies
) -> list[Comparison]:
    """Policy `adopt`: Shopify-side edits become ledger adjustments (reason shopify_edit; what the ledger
    had not pushed yet is pushed by the adjustment's stream record); returns the other candidates,
    which are healed."""
    rest = []
    for comparison in candidates:
        row = comparison.row
        assert row is not None
        if row.cause not in ADOPTED_CAUSES:
            rest.append(comparison)
            continue
        try:
            accepted = adopt_shopify_edit(
                row.key, deps.ledger, deps.directory, deps.shopify_inventory, deps.now, actor="drift_reconciler"
            )
        except (TransientFailure, PushRefused, LookupError) as error:
            run.heal_notes[row.key] = f"not adopted: {error}"
            result.heal_skipped += 1
            continue
        run.heal_notes[row.key] = f"adopted: Shopify's {accepted.shopify_level} as an edit (shopify_edit)"
        result.adopted += 1
    return rest
