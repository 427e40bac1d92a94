"""``make mutation``: mutation testing of the function's core and adapters (mutmut), and an honest summary of it.

mutmut 3 changes one thing at a time in the modules that ``[tool.mutmut] only_mutate`` (pyproject.toml) lists,
runs the fast unit tests (``tests/function``) that reach the changed function, and records whether a test failed
(the mutant is *killed*) or all passed (it *survived*: no test notices that change of behaviour).

mutmut names a mutant after its file's path (``emr_bootstrap/core/plan.py`` ->
``emr_bootstrap.core.plan.x_plan_role__mutmut_3``) and, while the tests run, recognises it by the module name the tests
imported. Here the tests import ``emr_bootstrap.*`` from ``function/`` (pytest's ``pythonpath``), which mutmut does
not support, so the run happens in a staged copy, ``build/mutation/``, where ``function/`` is laid flat
(``emr_bootstrap/`` and ``index.py`` at the top, beside ``tests/``, ``events/`` and ``pyproject.toml``): the paths
in ``[tool.mutmut]`` are relative to it. mutmut keeps its work and results in ``build/mutation/mutants/`` (``mutmut
results``, ``mutmut show NAME`` and ``mutmut browse`` work from ``build/mutation/``).

A survivor that no test can kill, because the change does not change behaviour, is *equivalent*: it is listed,
with the changed line and the reason, in ``docs/mutation-equivalents.md``, and excluded from the score. An entry
whose mutant no longer exists or no longer makes that change is *stale*: reported, and not excluded.

score = (killed + timed out) / (mutants - equivalent); "no tests" and unchecked mutants count against it.

    python scripts/mutation.py                  # fresh stage, every mutant, then the summary
    python scripts/mutation.py --resume         # keep build/mutation/mutants: run only mutants without a verdict
    python scripts/mutation.py --resume 'emr_bootstrap.core.plan.*'   # run these again (after adding tests)
    python scripts/mutation.py --summary-only   # summarise the last run again

It writes ``docs/mutation-summary.json`` (a full run; ``--out`` elsewhere) and prints a table per module. Exit
status: 0 done (and the score is at least ``--fail-under``), 1 below it, 2 the run itself failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
STAGE = REPO / "build" / "mutation"
EQUIVALENTS = REPO / "docs" / "mutation-equivalents.md"
SUMMARY = REPO / "docs" / "mutation-summary.json"
# What the staged tree holds: source in the repository -> path in the stage.
STAGED = {
    "function/emr_bootstrap": "emr_bootstrap",
    "function/index.py": "index.py",
    "tests": "tests",
    "events": "events",
    "emulator": "emulator",
    "deploy": "deploy",
    "pyproject.toml": "pyproject.toml",
    # Read by tests that check the documents against the code (the README's alert query, s.yaml's names).
    "README.md": "README.md",
    "s.yaml": "s.yaml",
}
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache", "mutants")

# mutmut's exit codes (mutmut.stats.status_by_exit_code) -> the summary's buckets.
KILLED = {1: "killed", 3: "killed"}
TIMEOUT = {36, -24, 24, 152, 255}
SURVIVED = 0
NO_TESTS = {5, 33}
NOT_CHECKED = None
# A row of the equivalents table: | `mutant name` | `the changed code` | why |
EQUIVALENT_ROW = re.compile(
    r"^\|\s*`(?P<name>[\w.ǁ]+__mutmut_\d+)`\s*\|\s*`(?P<change>(?:[^`]|``)*)`\s*\|(?P<why>.*)\|\s*$"
)


@dataclass
class Counts:
    mutants: int = 0
    killed: int = 0
    timeout: int = 0
    survived: int = 0
    equivalent: int = 0
    no_tests: int = 0
    not_checked: int = 0
    other: int = 0
    survivors: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        for name in ("mutants", "killed", "timeout", "survived", "equivalent", "no_tests", "not_checked", "other"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.survivors.extend(other.survivors)

    @property
    def score(self) -> float | None:
        counted = self.mutants - self.equivalent
        return round(100.0 * (self.killed + self.timeout) / counted, 1) if counted else None

    def as_json(self) -> dict[str, Any]:
        return {
            "mutants": self.mutants,
            "killed": self.killed,
            "timeout": self.timeout,
            "survived": self.survived,
            "equivalent": self.equivalent,
            "noTests": self.no_tests,
            "notChecked": self.not_checked,
            "other": self.other,
            "score": self.score,
        }


@dataclass(frozen=True)
class Equivalent:
    name: str
    change: str
    why: str


def mutmut_config() -> dict[str, Any]:
    """``[tool.mutmut]`` of pyproject.toml (3.10 has no tomllib: mutmut's own ``toml`` dependency reads it)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    if sys.version_info >= (3, 11):
        import tomllib

        data: dict[str, Any] = tomllib.loads(text)
    else:  # pragma: no cover - Python 3.10
        import toml  # type: ignore[import-untyped,unused-ignore]

        data = toml.loads(text)
    config: dict[str, Any] = data["tool"]["mutmut"]
    return config


def mutated_modules(config: dict[str, Any]) -> list[str]:
    """The staged paths of the mutated modules, e.g. ``emr_bootstrap/core/plan.py``."""
    return [str(path) for path in config["only_mutate"]]


def stage(*, fresh: bool) -> None:
    """Lay out build/mutation from the repository; ``fresh`` also forgets mutmut's results."""
    if fresh and STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True, exist_ok=True)
    for source, target in STAGED.items():
        src, dst = REPO / source, STAGE / target
        if src.is_dir():
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(src, dst, ignore=IGNORED)
        else:
            shutil.copy2(src, dst)
    # The staged tests replace the ones mutmut copied into its tree last time (a test removed since would linger).
    if (STAGE / "mutants" / "tests").exists():
        shutil.rmtree(STAGE / "mutants" / "tests")


def run_mutmut(names: list[str], max_children: int, timeout_s: float, log: Path) -> int:
    """``mutmut run`` in the stage; its progress line is echoed every 30 s, its whole output goes to ``log``."""
    command = [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(max_children), *names]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    shown = " ".join(command[1:4]) + (f" and {len(names)} mutant names" if names else "")
    print(f"mutation: mutmut {shown}  (in {STAGE.relative_to(REPO)}, log: {log.relative_to(REPO)})")
    started = time.monotonic()
    last_echo = started
    last_line = ""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=STAGE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        while True:
            chunk = process.stdout.read(65536)
            if chunk:
                out.write(chunk)
                lines = [line.strip() for line in re.split(r"[\r\n]", chunk.decode("utf-8", "replace"))]
                last_line = next((line for line in reversed(lines) if line), last_line)
            elif process.poll() is not None:
                break
            else:
                time.sleep(0.2)
            now = time.monotonic()
            if now - last_echo >= 30:
                print(f"  {now - started:6.0f} s  {last_line}", flush=True)
                last_echo = now
            if now - started > timeout_s:
                print(f"mutation: stopping mutmut after {timeout_s:.0f} s (--timeout); the summary counts what ran")
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                return 124
    print(f"  {time.monotonic() - started:6.0f} s  {last_line}")
    return process.returncode


def read_equivalents(path: Path = EQUIVALENTS) -> dict[str, Equivalent]:
    """The table rows of ``docs/mutation-equivalents.md``, by mutant name."""
    found: dict[str, Equivalent] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EQUIVALENT_ROW.match(line.replace("\\|", "\x00"))
        if match:
            change = match["change"].replace("\x00", "|").replace("``", "`")
            found[match["name"]] = Equivalent(match["name"], change, match["why"].replace("\x00", "|").strip())
    return found


def normalise(code: str) -> str:
    return " ".join(code.split())


def mutant_change(name: str, module_path: str) -> str | None:
    """The added lines of the mutant's diff, joined by `` / ``, as ``mutmut show`` prints them; None if unknown."""
    cwd = Path.cwd()
    os.chdir(STAGE)  # mutmut reads its configuration from the working directory
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        diff = get_diff_for_mutant(name, path=module_path)
    except Exception:  # the mutant does not exist (any more)
        return None
    finally:
        os.chdir(cwd)
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return " / ".join(added)


def summarise(
    config: dict[str, Any], equivalents: dict[str, Equivalent], notes: list[str] | None = None
) -> tuple[dict[str, Counts], list[str]]:
    """Counts per mutated module, and the equivalents entries that are stale (with why); ``notes`` collects the
    listed equivalents that timed out (counted as equivalent, not as kills)."""
    notes = [] if notes is None else notes
    per_module: dict[str, Counts] = {}
    known: set[str] = set()
    stale: list[str] = []
    for module_path in mutated_modules(config):
        meta = STAGE / "mutants" / f"{module_path}.meta"
        counts = Counts()
        per_module[Path(module_path).name] = counts
        if not meta.exists():
            continue
        verdicts: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for name, code in sorted(verdicts.items()):
            known.add(name)
            counts.mutants += 1
            if code in KILLED:
                counts.killed += 1
            elif code in TIMEOUT and name in equivalents:
                # A mutant that changes nothing can still run out of time on a loaded machine: not a kill.
                counts.equivalent += 1
                notes.append(f"{name}: listed as equivalent, timed out this run (a loaded machine?)")
            elif code in TIMEOUT:
                counts.timeout += 1
            elif code == SURVIVED:
                entry = equivalents.get(name)
                if entry is None:
                    counts.survived += 1
                    counts.survivors.append(name)
                    continue
                actual = mutant_change(name, module_path)
                if actual is not None and normalise(actual) == normalise(entry.change):
                    counts.equivalent += 1
                else:
                    stale.append(f"{name}: listed as `{entry.change}`, the mutant now changes `{actual}`")
                    counts.survived += 1
                    counts.survivors.append(name)
            elif code in NO_TESTS:
                counts.no_tests += 1
                counts.survivors.append(name)
            elif code is NOT_CHECKED:
                counts.not_checked += 1
            else:
                counts.other += 1
                counts.survivors.append(name)
        for name in sorted(set(equivalents) & set(verdicts)):
            if verdicts[name] in KILLED:
                stale.append(f"{name}: listed as equivalent, but a test kills it: remove it from the list")
    for name in sorted(set(equivalents) - known):
        stale.append(f"{name}: listed as equivalent, but there is no such mutant")
    return per_module, stale


def table(per_module: dict[str, Counts], total: Counts) -> str:
    header = ["module", "mutants", "killed", "timeout", "survived", "equivalent", "no tests", "unchecked", "score"]
    rows = [header]
    for name, c in [*per_module.items(), ("total", total)]:
        numbers = (c.mutants, c.killed, c.timeout, c.survived, c.equivalent, c.no_tests, c.not_checked)
        rows.append([name, *map(str, numbers), "-" if c.score is None else f"{c.score:.1f} %"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(
            [row[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))]
        )
        for row in rows
    ]
    rule = "-" * len(lines[0])
    return "\n".join([lines[0], rule, *lines[1:-1], rule, lines[-1]])


def tool_version() -> str:
    from importlib.metadata import version

    return f"mutmut {version('mutmut')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", help="mutant names or globs to run (again); default: every mutant")
    parser.add_argument("--resume", action="store_true", help="keep build/mutation/mutants and its verdicts")
    parser.add_argument("--summary-only", action="store_true", help="do not run mutmut, summarise the last run")
    parser.add_argument("--max-children", type=int, default=min(2, os.cpu_count() or 1), help="parallel workers")
    parser.add_argument("--timeout", type=float, default=3600.0, help="stop mutmut after this many seconds")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 when the overall score is lower")
    parser.add_argument("--out", type=Path, default=None, help=f"summary file (default for a full run: {SUMMARY})")
    args = parser.parse_args(argv)

    config = mutmut_config()
    started = time.monotonic()
    status = 0
    if not args.summary_only:
        stage(fresh=not args.resume)
        status = run_mutmut(args.names, args.max_children, args.timeout, STAGE / "mutmut.log")
    elapsed = round(time.monotonic() - started)

    equivalents = read_equivalents()
    notes: list[str] = []
    per_module, stale = summarise(config, equivalents, notes)
    total = Counts()
    for counts in per_module.values():
        total.add(counts)
    print(table(per_module, total))
    for line in stale:
        print(f"stale equivalent: {line}")
    for line in notes:
        print(f"note: {line}")
    if total.survivors:
        print(
            f"{len(total.survivors)} mutants not killed and not listed as equivalent ({EQUIVALENTS.relative_to(REPO)}):"
        )
        for name in total.survivors:
            print(f"  {name}")

    summary = {
        "tool": tool_version(),
        "command": "make mutation" if not (args.resume or args.names or args.summary_only) else " ".join(sys.argv),
        "tests": config.get("pytest_add_cli_args_test_selection", []),
        "maxChildren": args.max_children,
        "cpus": os.cpu_count(),
        "durationS": None if args.summary_only else elapsed,
        "mutmutExitCode": None if args.summary_only else status,
        "equivalentsListedIn": str(EQUIVALENTS.relative_to(REPO)),
        "score": "(killed + timeout) / (mutants - equivalent), in percent",
        "total": total.as_json(),
        "modules": {name: counts.as_json() for name, counts in per_module.items()},
        "notKilled": total.survivors,
        "staleEquivalents": stale,
        "equivalentsTimedOut": notes,
    }
    out = args.out or (SUMMARY if not (args.resume or args.names or args.summary_only) else STAGE / "summary.json")
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"mutation: wrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out} in {elapsed} s")
    if status != 0:
        print(f"mutation: mutmut exited with {status}; see {(STAGE / 'mutmut.log').relative_to(REPO)}")
        return 2
    if total.score is not None and total.score < args.fail_under:
        print(f"mutation: score {total.score} % is below --fail-under {args.fail_under} %")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
