"""Cold start of what is deployed, as FC runs it: ``build/package`` (``make package``) read-only, a fresh
``python3.10 -I -B`` per sample (nothing on the path but the package and the standard library; nothing written).

    python -m bench.package_import [--samples 9] [--package build/package] [--python python3.10]

Scenarios, each a median of N fresh interpreters reporting the wall time of the imports and the peak RSS:
``function``: ``import index`` then ``index.initialize(context)`` (what FC does before the first event), from the
package with its bytecode; ``function_source_only``: the same from a copy without ``__pycache__`` (what FC did
before the package shipped bytecode: every module compiled on each new instance); ``sdk_clients``: only the SDK
clients the function needs (RAM, STS, Resource Manager, credentials, and FC when the function imports it), from the
same package with bytecode. Targets: ``function`` <= 1.2 x ``sdk_clients``; peak RSS of one invocation <= 70 MB
(``bench.latency`` measures an invocation's; here it is the import's).
"""

from __future__ import annotations

import argparse
import json
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from scripts.bytecode import find_python

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PACKAGE = REPO / "build" / "package"
SDK_CLIENTS = [
    "alibabacloud_ram20150501.client",
    "alibabacloud_sts20150401.client",
    "alibabacloud_resourcemanager20200331.client",
    "alibabacloud_credentials.client",
]
FC_CLIENT = "alibabacloud_fc20230330.client"

_PROBE = """
import resource, sys, time
sys.path.insert(0, {path!r})
start = time.perf_counter()
for name in {modules!r}:
    __import__(name)
if {initialize!r}:
    sys.modules["index"].initialize(None)
elapsed = time.perf_counter() - start
imported = [m for m in {watch!r} if m in sys.modules]
print(elapsed * 1000, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, ",".join(imported) or "-")
"""


def probe(python: str, folder: Path, modules: list[str], initialize: bool) -> tuple[float, float, list[str]]:
    code = _PROBE.format(path=str(folder), modules=modules, initialize=initialize, watch=[FC_CLIENT])
    out = subprocess.run([python, "-I", "-B", "-c", code], check=True, capture_output=True, text=True).stdout
    millis, rss_mb, imported = out.split()
    return float(millis), float(rss_mb), [] if imported == "-" else imported.split(",")


def read_only_copy(package: Path, target: Path, *, bytecode: bool) -> Path:
    ignore = None if bytecode else shutil.ignore_patterns("__pycache__")
    shutil.copytree(package, target, ignore=ignore)
    for path in [target, *target.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return target


def make_writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def median_of(samples: int, python: str, folder: Path, modules: list[str], init: bool) -> tuple[float, float]:
    runs = [probe(python, folder, modules, init) for _ in range(samples)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def measure(package: Path, python: str, samples: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-package-") as tmp:
        compiled = read_only_copy(package, Path(tmp) / "compiled", bytecode=True)
        source = read_only_copy(package, Path(tmp) / "source", bytecode=False)
        try:
            # Does the function (after initialize) import the FC client? Then the SDK baseline includes it too.
            needs_fc = FC_CLIENT in probe(python, compiled, ["index"], True)[2]
            clients = SDK_CLIENTS + ([FC_CLIENT] if needs_fc else [])
            figures: dict[str, float] = {}
            scenarios = {
                "function": (compiled, ["index"], True),
                "function_source_only": (source, ["index"], True),
                "sdk_clients": (compiled, clients, False),
            }
            for name, (folder, modules, init) in scenarios.items():
                print(f"  package import: {name}", file=sys.stderr, flush=True)
                millis, rss = median_of(samples, python, folder, modules, init)
                figures[f"{name}_ms"], figures[f"{name}_rss_mb"] = round(millis, 1), round(rss, 1)
        finally:
            make_writable(Path(tmp))
    figures["import_ratio"] = round(figures["function_ms"] / figures["sdk_clients_ms"], 2)
    figures["source_only_ratio"] = round(figures["function_source_only_ms"] / figures["sdk_clients_ms"], 2)
    return {"package_cold_start": {**figures, "sdk_clients": clients, "samples": samples}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=9)
    parser.add_argument("--package", type=Path, default=DEFAULT_PACKAGE)
    parser.add_argument("--python", help="the target runtime's interpreter (default: python3.10 found here)")
    args = parser.parse_args(argv)
    python = args.python or find_python("3.10")
    if python is None or not (args.package / "index.py").is_file():
        print(f"bench.package_import: needs python3.10 and {args.package} (make package)", file=sys.stderr)
        return 2
    print(json.dumps(measure(args.package, python, args.samples), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
