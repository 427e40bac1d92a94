"""Build the FC code folder: ``build/package/`` = ``function/`` + the runtime dependencies, for python3.10 on Linux.

``s.yaml`` deploys this folder (``code: ./build/package``); FC puts the code directory on ``sys.path``, so the
dependencies sit at its top level and no ``PYTHONPATH`` is needed. Run with ``make package``.

Dependencies come from ``[project] dependencies`` in pyproject.toml and are installed for the *target* platform
(``pip install --target --platform manylinux2014_x86_64 --implementation cp --python-version 3.10
--only-binary=:all:``), so C extensions (aiohttp, cryptography, ...) match FC's python3.10 on Debian 10
(glibc 2.28; docs/function-compute.md §1.1) whatever machine builds the package.

Why the extra step for sdists: ``--only-binary=:all:`` cannot build anything, and some SDK packages publish newer
versions only as an sdist (alibabacloud-tea 0.4.1+ has no wheel; with only-binary pip silently falls back to
0.4.0, a different version from the one the tests run against). So the script first resolves the dependencies
for the running interpreter, builds a wheel locally for every sdist in that resolution (``pip wheel --no-deps``;
it must come out pure Python, ``*-none-any.whl``, or the build stops), and then installs for the target with
``--find-links`` to those wheels and the sdist versions pinned.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "function"
DEFAULT_OUTPUT = REPO / "build" / "package"
DEFAULT_PYTHON_VERSION = "3.10"  # s.yaml runtime: python3.10
DEFAULT_PLATFORM = "manylinux2014_x86_64"
# Never shipped: caches, tests, editor/OS litter.
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "tests", "test_*.py", ".*")


class PackageError(Exception):
    """The package cannot be built; the message says why and what to do."""


def runtime_dependencies(pyproject: Path) -> list[str]:
    """``[project] dependencies``; tomllib on 3.11+, tomli if installed, else a narrow text parse."""
    text = pyproject.read_text(encoding="utf-8")
    toml: Any = None
    if sys.version_info >= (3, 11):
        import tomllib

        toml = tomllib
    else:
        try:
            toml = importlib.import_module("tomli")
        except ImportError:
            toml = None
    if toml is not None:
        deps = toml.loads(text).get("project", {}).get("dependencies", [])
        return [str(d) for d in deps]
    # Fallback for a bare 3.10: the strings of the `dependencies = [...]` array in the [project] table.
    project = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    start = re.search(r"^dependencies\s*=\s*\[", project.group(1) if project else "", re.M)
    if project is None or start is None:
        raise PackageError(f"{pyproject}: no [project] dependencies array found")
    return _string_array(project.group(1)[start.end() :])


def _string_array(text: str) -> list[str]:
    """The double-quoted strings up to the first ``]`` outside a string, skipping ``#`` comments."""
    items: list[str] = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"|#[^\n]*|(\])', text):
        if match.group(2):
            return items
        if match.group(1) is not None:
            items.append(match.group(1))
    raise PackageError("unterminated dependencies array in pyproject.toml")


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise PackageError(f"pip failed ({' '.join(args[:2])} ...):\n{completed.stdout}\n{completed.stderr}")


def sdist_only(requirements: list[str], workdir: Path) -> list[str]:
    """``name==version`` of every package that the resolution for this interpreter takes from an sdist."""
    report = workdir / "resolution.json"
    _pip("install", "--quiet", "--dry-run", "--ignore-installed", "--report", str(report), *requirements)
    pins = []
    for item in json.loads(report.read_text())["install"]:
        if not item["download_info"]["url"].endswith(".whl"):
            pins.append(f"{item['metadata']['name']}=={item['metadata']['version']}")
    return pins


def build_pure_wheels(pins: list[str], wheelhouse: Path) -> None:
    for pin in pins:
        _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheelhouse), pin)
    impure = [w.name for w in wheelhouse.glob("*.whl") if not w.name.endswith("-none-any.whl")]
    if impure:
        raise PackageError(
            f"built platform-specific wheels {impure} from sdists; they would not run on FC. "
            "Pin a version of that package that publishes manylinux wheels."
        )


def copy_function(output: Path) -> None:
    shutil.copytree(SOURCE, output, ignore=_IGNORE, dirs_exist_ok=True)


def install_dependencies(output: Path, requirements: list[str], python_version: str, platform_tag: str) -> None:
    with tempfile.TemporaryDirectory(prefix="emr-bootstrap-package-") as tmp:
        workdir = Path(tmp)
        wheelhouse = workdir / "wheels"
        wheelhouse.mkdir()
        pins = sdist_only(requirements, workdir)
        build_pure_wheels(pins, wheelhouse)
        _pip(
            "install",
            "--quiet",
            "--no-compile",  # the runtime writes its own bytecode cache; .pyc for another version is dead weight
            "--target",
            str(output),
            "--platform",
            platform_tag,
            "--implementation",
            "cp",
            "--python-version",
            python_version,
            "--only-binary=:all:",
            "--find-links",
            str(wheelhouse),
            *requirements,
            *pins,
        )
    # Console scripts of dependencies are useless in FC.
    shutil.rmtree(output / "bin", ignore_errors=True)


def _safe_output(output: Path) -> Path:
    output = output.resolve()
    if output in (REPO, SOURCE) or output in REPO.parents or SOURCE in output.parents:
        raise PackageError(f"refusing to use {output} as the output folder: it is cleaned on every build")
    return output


def summarize(output: Path) -> tuple[int, int]:
    files = [p for p in output.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def write_zip(output: Path, archive: Path) -> None:
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(output.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(output).as_posix())


def build(output: Path, python_version: str, platform_tag: str) -> Path:
    output = _safe_output(output)
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    copy_function(output)
    if not (output / "emr_bootstrap").is_dir():
        raise PackageError(f"{SOURCE} has no emr_bootstrap package")
    install_dependencies(output, runtime_dependencies(REPO / "pyproject.toml"), python_version, platform_tag)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    parser.add_argument("--python-version", default=DEFAULT_PYTHON_VERSION, help="target Python, e.g. 3.10")
    parser.add_argument(
        "--platform",
        default=DEFAULT_PLATFORM,
        help=f"target wheel platform tag (default {DEFAULT_PLATFORM}; this machine is {platform.machine()})",
    )
    parser.add_argument("--zip", action="store_true", help="also write <output>.zip")
    args = parser.parse_args(argv)
    try:
        output = build(args.output, args.python_version, args.platform)
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    count, size = summarize(output)
    print(f"package: {output} ({count} files, {size / 2**20:.1f} MB) for python{args.python_version} {args.platform}")
    if not (output / "index.py").is_file():
        print("package: warning: function/index.py is missing; FC's handler index.handler will not load")
    if args.zip:
        archive = output.with_suffix(".zip")
        write_zip(output, archive)
        print(f"package: {archive} ({archive.stat().st_size / 2**20:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
