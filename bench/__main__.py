"""`make bench`: every benchmark, one JSON object of figures (keys are a stable contract: extend, never rename)."""

from __future__ import annotations

import json
import subprocess
import sys

# Each module prints one JSON object; running them as separate processes keeps their imports apart.
BENCHMARKS = ("bench.cold_import", "bench.emulator_bench", "bench.handler_bench", "bench.latency", "bench.sweep")


def main() -> int:
    figures: dict[str, object] = {}
    for module in BENCHMARKS:
        print(f"running {module} ...", file=sys.stderr)
        out = subprocess.run([sys.executable, "-m", module], check=True, capture_output=True, text=True).stdout
        figures.update(json.loads(out))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
