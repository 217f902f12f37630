"""An operator's transfer, count, adjustment or receipt, applied in one transaction, once per operation id."""

from inventory_ledger.clock import Now
from inventory_ledger.domain.ledger import ActivityEntry
from inventory_ledger.domain.movements import Movement, Translation
from inventory_ledger.ports import LedgerRepository
from inventory_ledger.service.apply_webhook import apply_movements


def record_operation(movements: list[Movement], ledger: LedgerRepository, now: Now) -> list[ActivityEntry]:
    """Applies the movements together; returns the entries written (none when the id was used before)."""
    applied: list[ActivityEntry] = []
    apply_movements(ledger, movements[0].key.shop, None, lambda _lines: Translation(list(movements)), now, applied)
    return applied
