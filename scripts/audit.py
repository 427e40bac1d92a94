"""``make audit``: known vulnerabilities in the locked runtime set (``requirements/runtime.txt``), by pip-audit.

Every pin in the lock is audited, whatever its environment marker, so what FC's python3.10 gets (async-timeout,
say) is covered whichever Python runs this. pip-audit asks PyPI's JSON API (``https://pypi.org/pypi/NAME/VERSION/
json``, the ``vulnerabilities`` of a release) and, when that API is unreachable, reports each package as "not found"
and exits 0 as if all were well. So this script first checks that the API answers, and fails on any package that
could not be audited. Exit status: 0 nothing known, 1 vulnerabilities found, 2 the audit could not be done.

Run as ``python -m scripts.audit`` from the repository root (the Makefile does). Not part of ``make test``: it needs
the network, and its answer changes when advisories are published, not when the code changes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scripts.package import RUNTIME_REQUIREMENTS, Pin, parse_locked_requirements

if TYPE_CHECKING:
    from collections.abc import Iterable

RELEASE_JSON = "https://pypi.org/pypi/{name}/{version}/json"  # what pip-audit's PyPI service reads
HINT = (
    "make audit needs PyPI's JSON API (https://pypi.org/pypi/NAME/VERSION/json), which pip-audit reads "
    "vulnerabilities from; run it where pypi.org answers in full (a machine with internet access). "
    "Nothing else needs it: make test and make package do not audit."
)


def probe(url: str, timeout: float = 15.0) -> str | None:
    """Why PyPI's vulnerability data cannot be read from ``url`` (a release's JSON), or None when it can."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return f"{url} answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{url} is unreachable: {getattr(exc, 'reason', exc)}"
    except ValueError:
        return f"{url} did not answer JSON"
    if not isinstance(body, dict) or "vulnerabilities" not in body:
        return f"{url} answered without a vulnerabilities field"
    return None


def batches(pins: Iterable[Pin]) -> list[list[Pin]]:
    """Distinct ``name==version`` pins in groups with one version per name (pip-audit takes one per run)."""
    groups: list[list[Pin]] = []
    seen: set[tuple[str, str]] = set()
    for pin in pins:
        if (pin.name, pin.version) in seen:
            continue
        seen.add((pin.name, pin.version))
        group = next((g for g in groups if all(p.name != pin.name for p in g)), None)
        if group is None:
            group = []
            groups.append(group)
        group.append(pin)
    return groups


def summarize(report: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(vulnerabilities, packages that could not be audited) from pip-audit's ``--format json`` report."""
    found, skipped = [], []
    for dep in report.get("dependencies", []):
        label = f"{dep.get('name')} {dep.get('version', '')}".strip()
        if "skip_reason" in dep:
            skipped.append(f"{label}: {dep['skip_reason']}")
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            aliases = ", ".join(vuln.get("aliases", []))
            found.append(f"{label}: {vuln.get('id')}{f' ({aliases})' if aliases else ''}; fixed in {fixes}")
    return found, skipped


def audit(pins: list[Pin], workdir: Path) -> dict[str, Any]:
    """pip-audit's JSON report for ``pins`` (hashed, no resolution), merged over the batches."""
    merged: dict[str, Any] = {"dependencies": []}
    for index, group in enumerate(batches(pins)):
        requirements = workdir / f"audit-{index}.txt"
        requirements.write_text("".join(f"{p.requirement_line()}\n" for p in group), encoding="utf-8")
        output = workdir / f"audit-{index}.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(requirements),
            "--require-hashes",
            "--disable-pip",
            "--vulnerability-service",
            "pypi",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(output),
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        # pip-audit exits 1 when it finds vulnerabilities; anything without a report is a failure to audit.
        if not output.is_file() or not output.read_text().strip():
            raise RuntimeError(f"pip-audit failed (exit {completed.returncode}):\n{completed.stderr}")
        merged["dependencies"].extend(json.loads(output.read_text()).get("dependencies", []))
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requirements", type=Path, default=RUNTIME_REQUIREMENTS, help="hashed, exact pins")
    args = parser.parse_args(argv)
    pins = parse_locked_requirements(args.requirements.read_text(encoding="utf-8"))
    if not pins:
        print(f"audit: no pins in {args.requirements}", file=sys.stderr)
        return 2
    # A project's JSON page may be served where a release's is not (seen here: 200 vs 404): ask for a release's.
    problem = probe(RELEASE_JSON.format(name=pins[0].name, version=pins[0].version))
    if problem is not None:
        print(f"audit: cannot audit: {problem}.\naudit: {HINT}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="emr-bootstrap-audit-") as tmp:
        try:
            report = audit(pins, Path(tmp))
        except RuntimeError as exc:
            print(f"audit: {exc}", file=sys.stderr)
            return 2
    found, skipped = summarize(report)
    for line in found:
        print(f"audit: VULNERABLE {line}")
    for line in skipped:
        print(f"audit: not audited: {line}", file=sys.stderr)
    if skipped:
        print(f"audit: {len(skipped)} of {len(report['dependencies'])} packages could not be audited.", file=sys.stderr)
        print(f"audit: {HINT}", file=sys.stderr)
        return 2
    if found:
        print(f"audit: {len(found)} known vulnerabilities in the locked runtime set: raise the pins, then make lock")
        return 1
    print(f"audit: no known vulnerabilities in the {len(report['dependencies'])} locked runtime packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
