"""One invocation of the reconciler: the nightly run (every merchant) or one merchant."""

from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inventory_ledger.observability import logger
from inventory_ledger.service.reconcile.model import ReconcileDependencies, ReconcileOptions, ShopRun
from inventory_ledger.service.reconcile.shop import reconcile_shop


class ReconcileRequest(BaseModel):
    """The reconciler's event: EventBridge's Scheduled Event (every merchant) or `{"shop", "location"?}`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    shop: str | None = Field(default=None, min_length=1)
    location: str | None = Field(default=None, min_length=1)
    heal: bool | None = None
    # The nightly run this message belongs to (set by the fan-out): its outcome joins that night's summary.
    run_id: str | None = Field(default=None, min_length=1, max_length=200)
    detail_type: str | None = Field(default=None, alias="detail-type")

    @model_validator(mode="after")
    def _location_needs_a_shop(self) -> "ReconcileRequest":
        if self.location is not None and self.shop is None:
            raise ValueError("a location is reconciled within a shop: give the shop too")
        return self


@dataclass
class ReconcileResult:
    runs: list[ShopRun] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "shops": len(self.runs) + len(self.failures),
            "levels_checked": sum(run.total("checked") for run in self.runs),
            "drifted": sum(run.total("drifted") for run in self.runs),
            "drift_units": sum(run.total("drift_units") for run in self.runs),
            "healed": sum(run.total("healed") for run in self.runs),
            "runs": [run.summary() for run in self.runs],
            "failures": dict(self.failures),
        }


def reconcile(request: ReconcileRequest, deps: ReconcileDependencies, options: ReconcileOptions) -> ReconcileResult:
    """One merchant when the request names one (its errors raise), else every merchant in turn: one
    merchant's failure (Shopify down, a revoked token) is reported and the others still run."""
    result = ReconcileResult()
    if request.heal is not None:
        options = replace(options, heal=request.heal)
    if request.run_id is not None:  # the night's id; a location's report gets its own key
        suffix = "" if request.location is None else f"-{request.location}"
        options = replace(options, run_id=request.run_id + suffix)
    if request.shop is not None:
        result.runs.append(reconcile_shop(request.shop, deps, location=request.location, options=options))
        return result
    for shop in deps.directory.shops():
        try:
            result.runs.append(reconcile_shop(shop, deps, options=options))
        except Exception as error:  # reported per merchant; the others still run
            logger.exception("merchant not reconciled", extra={"shop": shop})
            result.failures[shop] = f"{type(error).__name__}: {error}"
    return result
