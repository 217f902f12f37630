"""The demo's story, step by step, against the running local stack. Each step says what it shows."""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from demo.seed import LOCATIONS, SHOP, TOKEN, WEBHOOK_SECRET, skus
from inventory_ledger import bootstrap
from inventory_ledger.clock import utc_now as now
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import ActivityEntry, LevelKey, MovementKind
from inventory_ledger.service.onboarding import onboard_shop
from inventory_ledger.service.operations import record_operation
from local_stack.stack import LocalStack


@dataclass
class Story:
    stack: LocalStack
    say: Callable[[str], object]
    ledger_names: dict[str, str] = field(default_factory=dict)  # Shopify location name -> ledger location
    reconciliations: list[dict[str, Any]] = field(default_factory=list)

    # -- plumbing -----------------------------------------------------------------------------------

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.stack.simulator.base_url}/_control/shops/{SHOP}{path}"
        response = httpx.request(method, url, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def settle(self) -> None:
        """Until every webhook is delivered, every message applied and every push made."""
        assert self.stack.driver is not None
        for _ in range(3):  # deliveries cause pushes, pushes cause echo webhooks: settle until quiet
            self._wait_for_simulator()
            self.stack.driver.drain(timeout=90)
        self._wait_for_simulator()
        self.stack.driver.drain(timeout=90)

    def _wait_for_simulator(self) -> None:
        deadline = time.monotonic() + 60
        while not self.control("GET", "/deliveries")["idle"]:
            if time.monotonic() > deadline:
                raise TimeoutError("the simulator still has webhooks to deliver")
            time.sleep(0.05)  # polling interval, with the deadline above

    def delivery(self, **mode: Any) -> None:
        self.control("PUT", "/delivery", {"hold": False, "duplicate": 0, **mode})

    @staticmethod
    def past_the_import_second() -> None:
        """Shopify's timestamps are whole seconds and a level's import instant is its `updatedAt`: a sale
        in the very second of the level's last change before the read would read as inside the import.
        The simulator runs on the wall clock here; the story goes on once that second is over."""
        second = int(time.time())
        while int(time.time()) <= second:
            time.sleep(0.05)  # polling the clock, bounded by the second it waits out

    def location(self, shopify_name: str) -> str:
        return self.ledger_names[shopify_name]

    # -- the story ----------------------------------------------------------------------------------

    def onboard(self) -> None:
        self.stack.resources.put_shop_secret(SHOP, [WEBHOOK_SECRET], TOKEN)
        result = onboard_shop(
            SHOP,
            primary_location="Warehouse",
            ledger=bootstrap.ledger(),
            directory=bootstrap.merchant_directory(),
            shopify=bootstrap.shopify_levels_for(SHOP),
            now=now,
            actor="demo",
        )
        self.past_the_import_second()
        shopify_names = {loc["id"]: loc["name"] for loc in self.control("GET", "")["locations"]}
        self.ledger_names = {
            shopify_names[str(i)] if str(i) in shopify_names else shopify_names[i]: name
            for name, i in result.locations.items()
        }
        self.say(
            f"onboarded {SHOP}: {len(result.locations)} locations ({', '.join(result.locations)}), "
            f"{result.skus_mapped} SKUs, {result.opening_balances} opening balances imported from Shopify"
        )
        # From here on Shopify delivers every webhook twice (same event id, new webhook id).
        self.delivery(duplicate=1)

    def pos_sale(self) -> None:
        self.control("POST", "/orders", {"lines": [{"sku": "TEE-BLACK-M", "quantity": 2}], "location": "Store North"})
        self.settle()
        self.say("POS sale at Store North: 2 x TEE-BLACK-M (webhook delivered twice, applied once)")

    def online_sale(self) -> None:
        self.control(
            "POST", "/orders", {"lines": [{"sku": "TEE-WHITE-S", "quantity": 1}, {"sku": "MUG", "quantity": 1}]}
        )
        self.settle()
        self.say("online sale: TEE-WHITE-S + MUG, taken from the primary shipping location (Warehouse)")

    def last_unit_sold_twice(self) -> None:
        self.delivery(duplicate=1, hold=True)
        self.control("POST", "/orders", {"lines": [{"sku": "LAST-ONE", "quantity": 1}]})
        self.control("POST", "/orders", {"lines": [{"sku": "LAST-ONE", "quantity": 1}], "location": "Warehouse"})
        self.control("POST", "/delivery/flush", {"shuffle_seed": 11})
        self.settle()
        self.delivery(duplicate=1)
        self.say(
            "the last LAST-ONE sold twice at once, online and at the warehouse counter: both applied, "
            "the second flagged as an oversell"
        )

    def cancel_before_order(self) -> None:
        self.delivery(duplicate=1, hold=True)
        order = self.control("POST", "/orders", {"lines": [{"sku": "HOODIE-GREY-L", "quantity": 2}]})
        self.control("POST", f"/orders/{order['id']}/cancel", {"restock": True, "reason": "customer"})
        self.control("POST", "/delivery/flush", {"reverse": True})
        self.settle()
        self.delivery(duplicate=1)
        entries = self.entries(self.location("Warehouse"), "HOODIE-GREY-L")
        sales = [entry for entry in entries if entry.kind is MovementKind.SALE]
        first = sales[0].source.topic if sales else "?"
        self.say(
            f"an online order cancelled, the cancel delivered before the order (its sale entry came "
            f"from {first}); the late order changed nothing"
        )

    def refund_one_line_not_the_other(self) -> None:
        lines = [{"sku": "CAP", "quantity": 1}, {"sku": "SOCKS", "quantity": 2}]
        order = self.control("POST", "/orders", {"lines": lines, "location": "Store South"})
        self.control("POST", f"/orders/{order['id']}/fulfil", {})
        line_ids = {line["sku"]: line["id"] for line in order["line_items"]}
        self.control(
            "POST",
            f"/orders/{order['id']}/refunds",
            {
                "lines": [
                    {"line_item_id": line_ids["CAP"], "quantity": 1, "restock_type": "return"},
                    {"line_item_id": line_ids["SOCKS"], "quantity": 2, "restock_type": "no_restock"},
                ]
            },
        )
        self.settle()
        self.say("a POS order at Store South shipped, then refunded: the CAP returned to stock, the SOCKS not")

    def transfer_and_count(self) -> None:
        ledger = bootstrap.ledger()
        warehouse, south = self.location("Warehouse"), self.location("Store South")
        transfer = operations.transfer(SHOP, "TEE-BLACK-M", warehouse, south, 5, "demo-transfer-1", actor="demo")
        record_operation(transfer, ledger, now)
        record_operation(
            operations.count(SHOP, self.location("Store North"), "TEE-WHITE-S", 3, "demo-count-1", actor="demo"),
            ledger,
            now,
        )
        self.settle()
        self.say(
            "operator: 5 TEE-BLACK-M moved Warehouse -> Store South; cycle count of TEE-WHITE-S at Store North: 3 "
            "(both pushed to Shopify by compare-and-swap)"
        )

    def admin_edit_and_reconcile(self) -> None:
        # This merchant chose `report` (the default, adopt, would take the edit in as an adjustment).
        bootstrap.merchant_directory().set_healing_policy(SHOP, "report")
        self.control("POST", "/admin/levels", {"sku": "MUG", "location": "Store South", "available": 42})
        self.settle()
        assert self.stack.driver is not None
        report = self.stack.driver.reconcile(SHOP)
        self.reconciliations.append(report)
        self.say(
            f"someone set MUG at Store South to 42 in Shopify's admin; the nightly reconciliation found "
            f"{report['drifted']} drifted level(s)"
        )
        bootstrap.merchant_directory().set_healing_policy(SHOP, "heal")
        healed = self.stack.driver.reconcile(SHOP)
        self.reconciliations.append(healed)
        self.settle()
        after = self.stack.driver.reconcile(SHOP)
        self.reconciliations.append(after)
        self.say(
            f"healing on: {healed['healed']} level(s) set back to the ledger by compare-and-swap; "
            f"the next run finds {after['drifted']} drifted"
        )

    def play(self) -> None:
        for step in (
            self.onboard,
            self.pos_sale,
            self.online_sale,
            self.last_unit_sold_twice,
            self.cancel_before_order,
            self.refund_one_line_not_the_other,
            self.transfer_and_count,
            self.admin_edit_and_reconcile,
        ):
            step()

    # -- what happened ------------------------------------------------------------------------------

    def entries(self, location: str, sku: str) -> list[ActivityEntry]:
        return bootstrap.ledger().entries(LevelKey(SHOP, location, sku))

    def drift_rows(self, summary: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of the JSON reports a reconciliation wrote to the report bucket."""
        s3 = self.stack.resources.client("s3")
        rows: list[dict[str, Any]] = []
        for run in summary["runs"]:
            for key in run["reports"]:
                if key.endswith(".json"):
                    body = s3.get_object(Bucket=self.stack.resources.report_bucket_name, Key=key)["Body"].read()
                    rows += json.loads(body)["rows"]
        return rows

    def levels(self) -> list[tuple[str, str, int, int]]:
        """(location, SKU, ledger, Shopify available) for every level."""
        shopify = {
            (level["location_name"], level["sku"]): level["quantities"]["available"]
            for level in self.control("GET", "/levels")["levels"]
        }
        keys = [LevelKey(SHOP, self.location(name), sku) for name in LOCATIONS for sku in skus()]
        balances = bootstrap.ledger().balances(keys)
        rows = []
        for name in LOCATIONS:
            for sku in skus():
                balance = balances.get(LevelKey(SHOP, self.location(name), sku))
                rows.append((name, sku, balance.quantity if balance else 0, int(shopify[(name, sku)])))
        return rows
