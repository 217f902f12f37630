"""A flash sale on one level: many one-unit orders, several consumers at once (tests/support/flash_sale.py)."""

from local_stack.aws import LocalResources
from local_stack.event_sources import read_event_sources
from scripts.bench.table import Row
from tests.support.flash_sale import run_flash_sale


def measure(resources: LocalResources, backend: str, orders: int = 2000, consumers: int = 8) -> list[Row]:
    batch = read_event_sources().ingest_queue.batch_size
    sale, _ = run_flash_sale(resources.table_name, orders, consumers, batch=batch)
    what = f"{orders:,} one-unit orders of one level, {consumers} consumers, queue batches of {batch}"
    return [
        Row(
            "flash sale",
            f"messages failed (would be redelivered), {what}",
            len(sale.failures),
            "",
            None,
            "ideal 0: a lost race backs off and plans again",
            backend,
        ),
        Row("flash sale", "  messages dead-lettered", len(sale.dead_lettered), "", None, "must be 0", backend),
        *(
            Row(
                "flash sale",
                label,
                sale.percentile(fraction),
                "ms",
                None,
                "no ideal: the level's own write rate decides it",
                backend,
            )
            for label, fraction in (
                ("  apply latency p50 (one message, races included)", 0.5),
                ("  apply latency p99", 0.99),
            )
        ),
        Row(
            "flash sale",
            "  orders applied per second (one level)",
            orders / sale.seconds,
            "/s",
            None,
            f"lost races: {sale.lost_races:,} ({sale.lost_races / orders:.1f} per order)",
            backend,
            better="higher",
        ),
    ]
