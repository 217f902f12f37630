"""`make bench`: every figure in one table, each beside its ideal or limit; --write puts it in docs/.

python -m scripts.bench [--backends moto,dynamodb-local] [--only consumer,flash-sale,...] [--write]
"""

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Before powertools is imported: its singletons read these once.
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
os.environ.update({"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true"})
os.environ.update({"POWERTOOLS_METRICS_NAMESPACE": "InventoryLedger", "POWERTOOLS_SERVICE_NAME": "inventory-ledger"})
os.environ.update({"POWERTOOLS_LOG_LEVEL": "ERROR"})
sys.path[:0] = [str(ROOT)]

from inventory_ledger import bootstrap, config
from local_stack.aws import LocalResources, MotoServer, provision
from scripts.bench import cold_start, consumer, flash_sale, ingress, pipeline, reconcile, shopify_writes, stale
from scripts.bench.table import Row, machine, markdown

SECTIONS = ("ingress", "consumer", "flash-sale", "shopify", "stale", "pipeline", "reconcile", "cold-start")


def _activate(resources: LocalResources) -> None:
    # A previous backend's DynamoDB endpoint must not outlive it.
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"):
        os.environ.pop(name, None)
    os.environ.update(resources.environment())
    config.clear_cached_settings()
    bootstrap.reset()


def _on_backend(backend: str, moto: MotoServer) -> tuple[LocalResources, object | None]:
    moto.reset()
    if backend == "moto":
        return provision(moto.endpoint_url), None
    from local_stack.dynamodb_local import DynamoDBLocal

    dynamodb = DynamoDBLocal().start()
    return provision(moto.endpoint_url, dynamodb.endpoint_url), dynamodb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="dynamodb-local,moto", help="DynamoDB backends for the ledger figures")
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"some of {', '.join(SECTIONS)}")
    arguments = parser.parse_args()
    only = set(arguments.only.split(","))
    if arguments.write and only != set(SECTIONS):
        parser.error("--write needs every section")

    rows: list[Row] = []
    moto = MotoServer().start()
    # EMF lines are printed to stdout, as in Lambda; here they would drown the table.
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            resources = provision(moto.endpoint_url)
            _activate(resources)
            if "ingress" in only:
                rows += ingress.measure(resources)
            for backend in arguments.backends.split(",") if only & {"consumer", "flash-sale"} else ():
                resources, extra = _on_backend(backend, moto)
                _activate(resources)
                try:
                    if "consumer" in only:
                        rows += consumer.measure(resources, backend)
                    # On DynamoDB Local only: moto's transactions slow down as the table grows.
                    if "flash-sale" in only and backend == "dynamodb-local":
                        rows += flash_sale.measure(resources, backend)
                finally:
                    if extra is not None:
                        extra.stop()  # type: ignore[attr-defined]
            if "shopify" in only:
                rows += shopify_writes.measure()
            if "stale" in only:
                moto.reset()
                resources = provision(moto.endpoint_url)
                _activate(resources)
                rows += stale.measure(resources)
        finally:
            moto.stop()
        # The whole local stack, once per backend (each run starts its own servers). moto's share is
        # smaller: its transactions slow down as the table grows.
        for backend in arguments.backends.split(",") if "pipeline" in only else ():
            if backend == "moto":
                rows += pipeline.measure(backend, windowed_samples=0, samples=20, backlog_skus=60)
            else:
                rows += pipeline.measure(backend)
        if "reconcile" in only:
            rows += reconcile.rows()
        if "cold-start" in only:
            rows += cold_start.measure()

    table = markdown(rows, "make bench")
    print(f"\nMachine: {machine()}\n")
    print(table)
    if arguments.write:
        (ROOT / "docs" / "benchmarks.md").write_text(
            "# Benchmarks\n\nProduced by `make bench` (`python -m scripts.bench --write`); do not edit by hand.\n"
            f"A ratio is measured / ideal: for latencies and costs lower is better, for rates higher is.\n\n"
            f"Machine: {machine()}\n\n{table}\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
