"""The lock: ``uv.lock`` plus the pip-readable requirement files exported from it, written and checked together.

``uv.lock`` pins every runtime and dev dependency, transitive ones included, with hashes, for Python 3.10-3.12
(``[project] requires-python``). Two files are exported from it for tools that read requirement files:

- ``requirements/runtime.txt``: ``[project] dependencies`` only; ``make package`` installs it for FC's python3.10
  and ``make audit`` audits it.
- ``requirements/bootstrap.txt``: pip and uv themselves (dependency group ``bootstrap``); the Makefile installs them
  with ``pip --require-hashes`` before ``uv sync --frozen`` builds the rest of the venv from ``uv.lock``.

``python scripts/lock.py update [uv lock options]`` (``make lock``) re-resolves on purpose and rewrites all three;
``python scripts/lock.py check`` (part of ``make test``) fails, saying to run ``make lock``, when pyproject.toml and
the lock disagree or an exported file is stale. Both use the uv that requirements/bootstrap.txt installs in the venv.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = REPO / "requirements"
# Exported file -> the `uv export` selection it holds.
EXPORTS: dict[str, tuple[str, ...]] = {
    "runtime.txt": ("--no-default-groups",),  # [project] dependencies, no extras, no groups
    "bootstrap.txt": ("--only-group", "bootstrap"),
}
HEADER = "# Exported from uv.lock by `make lock` (scripts/lock.py {selection}); do not edit by hand.\n"
HINT = "run `make lock` (it rewrites uv.lock and requirements/*.txt from pyproject.toml), then commit them"


class LockError(Exception):
    """The lock cannot be checked or written; the message says why."""


def find_uv() -> str:
    """The uv beside this interpreter (the venv's pinned one), else the first on PATH."""
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file():
        return str(beside)
    found = shutil.which("uv")
    if found is None:
        raise LockError("uv not found: run `make` targets, which install the pinned uv into .venv first")
    return found


def _uv(uv: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([uv, *args], cwd=project, capture_output=True, text=True, check=False)


def export_text(uv: str, selection: tuple[str, ...], project: Path = REPO) -> str:
    """One exported requirements file, as ``make lock`` writes it: header, then uv's pins with hashes."""
    args = ("export", "--frozen", "--no-emit-project", "--no-header", "--format", "requirements-txt", *selection)
    completed = _uv(uv, project, *args)
    if completed.returncode != 0:
        raise LockError(f"uv {' '.join(args)} failed:\n{completed.stderr}")
    return HEADER.format(selection=" ".join(selection)) + completed.stdout


def stale_exports(expected: dict[str, str], directory: Path) -> list[str]:
    """Names of the exported files in ``directory`` that are missing or differ from ``expected`` (name -> text)."""
    stale = []
    for name, text in sorted(expected.items()):
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def check(uv: str, project: Path = REPO) -> list[str]:
    """What is out of date, as messages; empty when pyproject.toml, uv.lock and the exported files agree."""
    # --offline: a lock that satisfies pyproject.toml is validated without asking the index.
    completed = _uv(uv, project, "lock", "--check", "--offline")
    if completed.returncode != 0:
        lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")] or lines[-1:] or ["uv lock --check failed"]
        return [f"uv.lock does not match pyproject.toml; uv says: {errors[0]}"]
    expected = {name: export_text(uv, selection, project) for name, selection in EXPORTS.items()}
    stale = stale_exports(expected, project / REQUIREMENTS.name)
    return [f"requirements/{name} is not what uv.lock exports" for name in stale]


def update(uv: str, lock_args: list[str], project: Path = REPO) -> None:
    completed = subprocess.run([uv, "lock", *lock_args], cwd=project, check=False)
    if completed.returncode != 0:
        raise LockError(f"uv lock {' '.join(lock_args)} failed")
    (project / REQUIREMENTS.name).mkdir(exist_ok=True)
    for name, selection in EXPORTS.items():
        (project / REQUIREMENTS.name / name).write_text(export_text(uv, selection, project), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "command",
        choices=["check", "update"],
        help="check: fail if pyproject.toml, uv.lock and requirements/*.txt disagree; "
        "update: uv lock [ARGS...] (e.g. --upgrade, --upgrade-package NAME), then rewrite requirements/*.txt",
    )
    parser.add_argument("--project", type=Path, default=REPO, help=argparse.SUPPRESS)  # for the tests
    args, lock_args = parser.parse_known_args(argv)
    if args.command == "check" and lock_args:
        parser.error(f"check takes no options: {' '.join(lock_args)}")
    try:
        uv = find_uv()
        if args.command == "update":
            update(uv, lock_args, args.project)
            print(f"lock: wrote uv.lock and requirements/{{{','.join(EXPORTS)}}}")
            return 0
        problems = check(uv, args.project)
    except LockError as exc:
        print(f"lock: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"lock: {problem}", file=sys.stderr)
    if problems:
        print(f"lock: {HINT}", file=sys.stderr)
        return 1
    print("lock: pyproject.toml, uv.lock and requirements/*.txt agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
