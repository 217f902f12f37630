"""The reconciler's and onboarding's reads of Shopify: locations, variants and levels, paged or bulk.

Bulk: one `bulkOperationRunQuery` per shop at a time. Shopify refuses a second query while one runs
(OPERATION_IN_PROGRESS: one per shop before 2026-01, five since); ours waits for it and tries again
until its deadline rather than cancelling someone else's. The result (JSONL) is streamed line by line,
so a million levels are never held as text.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.errors import BulkOperationError
from inventory_ledger.adapters.shopify.models import BulkOperation, LevelSnapshot
from inventory_ledger.domain.drift import ShopifyLevel
from inventory_ledger.domain.ids import gid, id_from_gid
from inventory_ledger.domain.onboarding import ShopifyLocation, ShopifyVariant
from inventory_ledger.observability import logger
from inventory_ledger.ports import ShopifyLevels, TransientFailure

IN_PROGRESS = "OPERATION_IN_PROGRESS"


@dataclass(frozen=True)
class BulkSettings:
    poll_seconds: float = 2.0
    # A 100,000-SKU shop's levels take Shopify minutes to gather; leave the Lambda time to compare.
    deadline_seconds: float = 600.0


class ShopifyLevelsReader(ShopifyLevels):
    def __init__(
        self,
        gateway: ShopifyAdminOperations,
        *,
        bulk: BulkSettings | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway = gateway
        self.bulk_settings = bulk or BulkSettings()
        self._sleep = sleeper
        self._clock = clock
        # What the last bulk read cost the reader: operations started and polls made (for the bench).
        self.bulk_polls = 0

    def locations(self) -> list[ShopifyLocation]:
        return [
            ShopifyLocation(id_from_gid(loc.id), loc.name, loc.is_active, loc.fulfills_online_orders)
            for loc in self.gateway.list_locations()
        ]

    def variants(self) -> Iterator[ShopifyVariant]:
        for variant in self.gateway.list_variants():
            item_id, variant_id = id_from_gid(variant.inventory_item_id), id_from_gid(variant.id)
            yield ShopifyVariant(variant.sku, item_id, variant_id, variant.inventory_item.tracked)

    def levels(self, location_ids: Sequence[int], *, bulk: bool) -> Iterator[ShopifyLevel]:
        if not bulk:
            for location_id in location_ids:
                yield from map(_level, self.gateway.location_levels(gid("Location", location_id)))
            return
        wanted = set(location_ids)
        for snapshot in self.gateway.bulk_levels(self._completed_bulk_operation()):
            level = _level(snapshot)
            if level.location_id in wanted:
                yield level

    def _completed_bulk_operation(self) -> BulkOperation:
        deadline = self._clock() + self.bulk_settings.deadline_seconds
        operation = None
        while operation is None:
            try:
                operation = self.gateway.run_bulk_levels()
            except BulkOperationError as error:
                if error.code != IN_PROGRESS:
                    raise
                logger.info("another bulk query runs for this shop: waiting for it", extra={"detail": str(error)})
                self._wait(deadline, "a bulk query of this shop kept running")
        while not operation.finished:
            self._wait(deadline, f"bulk operation {operation.id} did not finish")
            operation = self.gateway.bulk_status(operation.id)
            self.bulk_polls += 1
        if operation.status != "COMPLETED":
            raise BulkOperationError(
                f"bulk operation {operation.id} ended {operation.status}", code=operation.error_code
            )
        return operation

    def _wait(self, deadline: float, what: str) -> None:
        if self._clock() + self.bulk_settings.poll_seconds > deadline:
            raise TransientFailure(f"{what} within {self.bulk_settings.deadline_seconds:.0f} s")
        self._sleep(self.bulk_settings.poll_seconds)


def _level(snapshot: LevelSnapshot) -> ShopifyLevel:
    return ShopifyLevel(
        location_id=id_from_gid(snapshot.location_id),
        inventory_item_id=id_from_gid(snapshot.inventory_item_id),
        sku=snapshot.sku,
        available=snapshot.available,
        updated_at=snapshot.updated_at,
    )
