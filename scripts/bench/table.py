"""One row per figure, printed as a table and written to docs/benchmarks.md."""

import platform
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Row:
    area: str
    figure: str
    value: float
    unit: str
    ideal: float | None
    # What the ideal is: a limit (Shopify's 5 s answer), or the best possible (2,500 levels/s).
    ideal_note: str
    backend: str = ""
    # "lower" when smaller is better (latency), "higher" when larger is (throughput).
    better: str = "lower"

    @property
    def ratio(self) -> str:
        if not self.ideal:
            return "n/a"
        return f"{self.value / self.ideal:.2f}"


def _fmt(value: float) -> str:
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"


def markdown(rows: list[Row], command: str) -> str:
    lines = [
        "| area | figure | backend | measured | ideal or limit | ratio |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ideal = f"{_fmt(row.ideal)} {row.unit} ({row.ideal_note})" if row.ideal else row.ideal_note
        measured = f"{_fmt(row.value)} {row.unit}"
        lines.append(f"| {row.area} | {row.figure} | {row.backend or '-'} | {measured} | {ideal} | {row.ratio} |")
    return "\n".join(lines)


def machine() -> str:
    import os

    cpus = os.cpu_count()
    load = os.getloadavg()
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    return (
        f"{platform.machine()}, {cpus} cores, {total_kib / 1024 / 1024:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, "
        # Other work on the machine slows every figure: say how busy it was, as `uptime` does.
        f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (1, 5, 15 min) on {cpus} cores"
        + (", shared with other work" if load[2] > 0.5 * (cpus or 1) else "")
    )
