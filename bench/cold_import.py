"""Cold-import cost of the function in the development venv (its bytecode already there), against the SDK alone.

The deployed package as FC runs it (python3.10, read-only, with and without bytecode) is ``bench.package_import``.

Each sample is a fresh interpreter (``-I``: no user site, no PYTHONPATH) that imports one set of modules and reports
the wall time of the import and its peak RSS. The median of N samples is printed as JSON:

    python -m bench.cold_import [--samples 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

FUNCTION_DIR = Path(__file__).resolve().parent.parent / "function"

# What FC loads: `index` at start; the SDK on the first event (or in the `initialize` hook).
SCENARIOS = {
    "sdk_only": [
        "alibabacloud_ram20150501.client",
        "alibabacloud_sts20150401.client",
        "alibabacloud_credentials.client",
    ],
    "ram_client": ["alibabacloud_ram20150501.client"],
    "index": ["index"],
    "index_and_sdk": ["index", "emr_bootstrap.adapters.sdk", "emr_bootstrap.core.reconcile"],
}

_PROBE = """
import resource, sys, time
sys.path.insert(0, {path!r})
start = time.perf_counter()
for name in {modules!r}:
    __import__(name)
elapsed = time.perf_counter() - start
print(elapsed * 1000, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def sample(modules: list[str]) -> tuple[float, float]:
    code = _PROBE.format(path=str(FUNCTION_DIR), modules=modules)
    # -I isolates from the environment; site-packages stays visible because the venv's site is still loaded.
    out = subprocess.run([sys.executable, "-I", "-c", code], check=True, capture_output=True, text=True).stdout
    millis, rss_mb = out.split()
    return float(millis), float(rss_mb)


def measure(samples: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    for name, modules in SCENARIOS.items():
        runs = [sample(modules) for _ in range(samples)]
        figures[f"cold_import.{name}_ms"] = round(statistics.median(r[0] for r in runs), 1)
        figures[f"cold_import.{name}_rss_mb"] = round(statistics.median(r[1] for r in runs), 1)
    figures["cold_import.overhead_beyond_sdk_ms"] = round(
        figures["cold_import.index_and_sdk_ms"] - figures["cold_import.sdk_only_ms"], 1
    )
    return figures


def cold_start(figures: dict[str, float]) -> dict[str, float]:
    """`index` plus what the initializer imports, against the bare RAM SDK client."""
    total = figures["cold_import.index_and_sdk_ms"]
    return {"import_ms": total, "import_ratio": round(total / figures["cold_import.ram_client_ms"], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args(argv)
    figures = measure(args.samples)
    start = cold_start(figures)
    print(json.dumps({**figures, "cold_start": start}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
