"""`make bench`: every benchmark, one JSON object of figures (keys are a stable contract: extend, never rename).

    python -m bench [--record] [--no-fanout] [--only MODULE ...]

Each module runs in a process of its own (keeping its imports apart) and prints one JSON object; its progress goes
to stderr as it runs. The merged figures go to ``build/bench/results.json`` and the table of figures and targets
(``bench.report``) to stderr. ``--record`` (``make bench RECORD=1``) also merges them into ``bench/results.json``
and rewrites README.md's performance table from it. The 10,000-account fan-out sweep (``bench.fanout``) takes about
3 of the ~9 minutes; ``--no-fanout`` (``make bench FANOUT=0``) leaves it out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import report

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results.json"
RUN_RESULTS = REPO / "build" / "bench" / "results.json"
README = REPO / "README.md"
BENCHMARKS = (
    "bench.cold_import",
    "bench.package_import",
    "bench.emulator_bench",
    "bench.handler_bench",
    "bench.latency",
    "bench.sweep",
    "bench.sdk_overhead",
)
FANOUT = "bench.fanout"


def merge(current: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    """``figures`` over ``current``, one level deep: a group's keys that this run did not measure are kept."""
    merged = dict(current)
    for key, value in figures.items():
        old = merged.get(key)
        merged[key] = {**old, **value} if isinstance(value, dict) and isinstance(old, dict) else value
    return merged


def run(module: str) -> dict[str, Any]:
    start = time.perf_counter()
    print(f"bench: {module} ...", file=sys.stderr, flush=True)
    completed = subprocess.run([sys.executable, "-m", module], check=False, stdout=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    if completed.returncode != 0:
        print(f"bench: {module} failed (exit {completed.returncode}) after {took:.0f} s", file=sys.stderr)
        return {}
    print(f"bench: {module} done in {took:.0f} s", file=sys.stderr, flush=True)
    return dict(json.loads(completed.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="update bench/results.json and README.md's table")
    parser.add_argument("--no-fanout", action="store_true", help=f"leave out {FANOUT} (about 3 minutes)")
    parser.add_argument("--only", nargs="+", metavar="MODULE", help="run only these modules (bench.latency ...)")
    args = parser.parse_args(argv)
    modules = args.only or [*BENCHMARKS, *([] if args.no_fanout else [FANOUT])]
    figures: dict[str, Any] = {}
    failed = []
    for module in modules:
        out = run(module)
        failed += [] if out else [module]
        figures = merge(figures, out)
    RUN_RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RUN_RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"bench: this run's figures in {RUN_RESULTS}\n", file=sys.stderr)
    print(report.text(merge(json.loads(RESULTS.read_text()), figures) if args.record else figures), file=sys.stderr)
    if args.record:
        recorded = merge(json.loads(RESULTS.read_text()), figures)
        RESULTS.write_text(json.dumps(recorded, indent=2) + "\n")
        README.write_text(report.with_table(README.read_text(encoding="utf-8"), recorded), encoding="utf-8")
        print(f"bench: recorded in {RESULTS} and README.md's performance table", file=sys.stderr)
    print(json.dumps(figures, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
