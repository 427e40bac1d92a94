"""Build the FC code folder: ``build/package/`` = ``function/`` + the locked runtime dependencies, for python3.10.

``s.yaml`` deploys this folder (``code: ./build/package``); FC puts the code directory on ``sys.path``, so the
dependencies sit at its top level and no ``PYTHONPATH`` is needed. Run with ``make package``.

What goes in is the lock, not a fresh resolution: ``requirements/runtime.txt`` (exported from ``uv.lock`` by
``make lock``; exact versions and hashes of ``[project] dependencies`` and everything they need). Its environment
markers are evaluated for the *target* (python3.10 on manylinux x86_64), not for the Python running this script:
pip evaluates them for the running one, which on 3.11 left out ``async-timeout``, without which aiohttp (and so the
SDK) does not import on 3.10. The pins are installed with ``pip install --target --platform manylinux2014_x86_64
--implementation cp --python-version 3.10 --only-binary=:all: --no-deps --require-hashes``, so C extensions
(aiohttp, cryptography, ...) match FC's python3.10 on Debian 10 (glibc 2.28; docs/fc-notes.md §1.1) whatever
machine builds the package, and every file is the one the lock names.

Packages that publish only an sdist (``uv.lock`` lists no wheels for them; alibabacloud-tea 0.4.1+) cannot be
installed with ``--only-binary``: their sdist is downloaded hash-checked and built into a wheel here (``pip wheel
--no-deps --require-hashes``), which must come out pure Python (``*-none-any.whl``) or the build stops; that wheel
is then installed pinned to its own hash.

Afterwards every distribution in the folder must have exactly its locked version (:func:`version_mismatches`), and
a CycloneDX SBOM of the folder is written beside it (``build/package.cdx.json``, by ``cyclonedx-py``).

Last, the target runtime's Python (python3.10) compiles the folder to bytecode that unzip timestamps cannot
invalidate, and every ``.py`` must have its ``.pyc`` (``scripts/bytecode.py``): FC then imports, never compiles.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if __package__ in (None, ""):  # run as a file (python scripts/package.py): the repository root for `scripts.`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.bytecode import BytecodeError, add_bytecode

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "function"
LOCK = REPO / "uv.lock"
RUNTIME_REQUIREMENTS = REPO / "requirements" / "runtime.txt"
DEFAULT_OUTPUT = REPO / "build" / "package"
DEFAULT_PYTHON_VERSION = "3.10"  # s.yaml runtime: python3.10
DEFAULT_PLATFORM = "manylinux2014_x86_64"
# Never copied from function/: caches (of whatever Python ran the tests; the package gets its own bytecode after
# the install), tests, editor/OS litter.
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "tests", "test_*.py", ".*")


class PackageError(Exception):
    """The package cannot be built; the message says why and what to do."""


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` line of a hashed requirements file, with its environment marker and hashes."""

    name: str  # canonical (PEP 503)
    version: str
    hashes: tuple[str, ...]
    marker: str | None = None

    def requirement_line(self, hashes: Iterable[str] | None = None) -> str:
        """For pip: the pin and its hashes, no marker (markers were evaluated for the target already)."""
        return " ".join([f"{self.name}=={self.version}", *(f"--hash={h}" for h in (hashes or self.hashes))])


def parse_locked_requirements(text: str) -> list[Pin]:
    """The pins of a ``uv export``/``pip-compile --generate-hashes`` file; anything but exact pins is an error."""
    pins = []
    logical = re.sub(r"\\\n", " ", text)  # join backslash continuations
    for raw in logical.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        hashes = tuple(re.findall(r"--hash=(\S+)", line))
        requirement = Requirement(re.sub(r"\s--hash=\S+", "", line).strip())
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or requirement.url or requirement.extras:
            raise PackageError(f"not an exact pin in the lock: {line!r}")
        if not hashes:
            raise PackageError(f"no --hash for {requirement.name} in the lock: run `make lock`")
        marker = str(requirement.marker) if requirement.marker else None
        pins.append(Pin(canonicalize_name(requirement.name), specifiers[0].version, hashes, marker))
    return pins


def target_environment(python_version: str, platform_tag: str) -> dict[str, str]:
    """PEP 508 marker values for CPython ``python_version`` on Linux ``platform_tag`` (e.g. manylinux2014_x86_64)."""
    if not re.fullmatch(r"3\.\d+", python_version):
        raise PackageError(f"--python-version must look like 3.10, not {python_version!r}")
    machine = re.sub(r"^(many|musl)linux_?\d+(_\d+)?_", "", platform_tag)
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python_version}.0",
        "os_name": "posix",
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_system": "Linux",
        "python_full_version": f"{python_version}.0",
        "python_version": python_version,
        "sys_platform": "linux",
    }


def pins_for_target(pins: Iterable[Pin], environment: Mapping[str, str]) -> list[Pin]:
    """The pins whose marker holds in ``environment``; exactly one per name, or the lock is ambiguous."""
    chosen: dict[str, Pin] = {}
    for pin in pins:
        if pin.marker is not None and not Marker(pin.marker).evaluate(dict(environment)):
            continue
        if pin.name in chosen:
            raise PackageError(f"two locked versions of {pin.name} apply to the target: run `make lock`")
        chosen[pin.name] = pin
    return sorted(chosen.values(), key=lambda p: p.name)


def sdist_only_packages(lock_text: str) -> set[str]:
    """Canonical names of the registry packages that ``uv.lock`` lists with an sdist and no wheels."""
    toml: Any
    if sys.version_info >= (3, 11):
        import tomllib

        toml = tomllib
    else:
        try:
            toml = importlib.import_module("tomli")
        except ImportError as exc:
            raise PackageError(
                "reading uv.lock on Python 3.10 needs tomli (it is in the dev set: make package)"
            ) from exc
    packages = toml.loads(lock_text).get("package", [])
    return {canonicalize_name(p["name"]) for p in packages if "sdist" in p and not p.get("wheels")}


def installed_versions(folder: Path) -> dict[str, str]:
    """Canonical name -> version of every distribution (``*.dist-info``) at the top of ``folder``."""
    versions: dict[str, str] = {}
    for dist in metadata.distributions(path=[str(folder)]):
        name = canonicalize_name(dist.metadata["Name"])
        if name in versions:
            raise PackageError(f"{folder} holds two distributions of {name}")
        versions[name] = dist.version
    return versions


def version_mismatches(installed: Mapping[str, str], locked: Mapping[str, str]) -> list[str]:
    """Every way ``installed`` (name -> version) differs from ``locked``; empty when they are the same set."""
    problems = []
    for name in sorted(set(installed) | set(locked)):
        have, want = installed.get(name), locked.get(name)
        if have is None:
            problems.append(f"{name}: locked at {want} but not in the package")
        elif want is None:
            problems.append(f"{name} {have}: in the package but not in the lock")
        elif have != want:
            problems.append(f"{name}: the package has {have}, the lock says {want}")
    return problems


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise PackageError(f"pip failed ({' '.join(args[:2])} ...):\n{completed.stdout}\n{completed.stderr}")


def _write_requirements(path: Path, lines: Iterable[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def build_pure_wheels(pins: list[Pin], wheelhouse: Path, workdir: Path) -> dict[str, str]:
    """Build each pin's hash-checked sdist into a wheel; canonical name -> ``sha256:`` hash of the built wheel."""
    if not pins:
        return {}
    requirements = _write_requirements(workdir / "sdists.txt", (p.requirement_line() for p in pins))
    _pip("wheel", "--quiet", "--no-deps", "--require-hashes", "--wheel-dir", str(wheelhouse), "-r", str(requirements))
    impure = [w.name for w in wheelhouse.glob("*.whl") if not w.name.endswith("-none-any.whl")]
    if impure:
        raise PackageError(
            f"built platform-specific wheels {impure} from sdists; they would not run on FC. "
            "Pin a version of that package that publishes manylinux wheels."
        )
    built: dict[str, str] = {}
    for wheel in wheelhouse.glob("*.whl"):
        name = canonicalize_name(wheel.name.split("-")[0])
        built[name] = "sha256:" + hashlib.sha256(wheel.read_bytes()).hexdigest()
    missing = sorted({p.name for p in pins} - set(built))
    if missing:
        raise PackageError(f"pip wheel built no wheel for {missing}")
    return built


def copy_function(output: Path) -> None:
    shutil.copytree(SOURCE, output, ignore=_IGNORE, dirs_exist_ok=True)


def install_dependencies(
    output: Path, pins: list[Pin], sdist_only: set[str], python_version: str, platform_tag: str
) -> None:
    with tempfile.TemporaryDirectory(prefix="emr-bootstrap-package-") as tmp:
        workdir = Path(tmp)
        wheelhouse = workdir / "wheels"
        wheelhouse.mkdir()
        built = build_pure_wheels([p for p in pins if p.name in sdist_only], wheelhouse, workdir)
        lines = [p.requirement_line([built[p.name]] if p.name in built else None) for p in pins]
        requirements = _write_requirements(workdir / "target.txt", lines)
        _pip(
            "install",
            "--quiet",
            "--no-compile",  # pip would compile with this Python; the target's compiles everything afterwards
            "--no-deps",  # the lock is the whole set; nothing is resolved here
            "--require-hashes",
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
            "-r",
            str(requirements),
        )
    # Console scripts of dependencies are useless in FC.
    shutil.rmtree(output / "bin", ignore_errors=True)
    drop_missing_from_records(output)


def drop_missing_from_records(output: Path) -> None:
    """Remove RECORD rows of files that are not in ``output``: the console scripts pip wrote (``../../bin/idna``),
    whose hashes depend on the building interpreter's path, so the folder is the same wherever it is built."""
    for record in output.glob("*.dist-info/RECORD"):
        lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = []
        for line in lines:
            path = next(csv.reader([line]), [""])[0]
            target = (output / path).resolve()
            if output in target.parents and target.is_file():
                kept.append(line)
        if kept != lines:
            record.write_text("".join(kept), encoding="utf-8")


def sbom_path(output: Path) -> Path:
    return output.parent / f"{output.name}.cdx.json"


def write_sbom(output: Path, sbom: Path) -> None:
    """CycloneDX JSON of the distributions in ``output``, with emr-bootstrap (pyproject.toml) as the root component.

    ``cyclonedx-py environment -S PYTHON`` lists the distributions on the sys.path of ``PYTHON -S``: with
    ``PYTHONPATH=output`` that is the package folder and the standard library, no site-packages. cyclonedx-py itself
    runs isolated (``-I``) so the folder never shadows its own imports.
    """
    env = {**os.environ, "PYTHONPATH": str(output)}
    command = [
        sys.executable,
        "-I",
        "-m",
        "cyclonedx_py",
        "environment",
        "-S",
        "--pyproject",
        str(REPO / "pyproject.toml"),
        "--mc-type",
        "application",
        "--output-reproducible",
        # Schema validation takes ~4 s (most of the SBOM step); cyclonedx-python-lib writes the document from its
        # own model, and the package test checks the fields that matter.
        "--no-validate",
        "--output-format",
        "JSON",
        "--output-file",
        str(sbom),
        sys.executable,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if completed.returncode != 0:
        raise PackageError(f"cyclonedx-py failed:\n{completed.stdout}\n{completed.stderr}")


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


def build(output: Path, python_version: str, platform_tag: str, python: str | None = None) -> Path:
    """``python``: the interpreter that compiles the bytecode (default: python<python_version> found here)."""
    output = _safe_output(output)
    environment = target_environment(python_version, platform_tag)
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    copy_function(output)
    if not (output / "emr_bootstrap").is_dir():
        raise PackageError(f"{SOURCE} has no emr_bootstrap package")
    pins = pins_for_target(parse_locked_requirements(RUNTIME_REQUIREMENTS.read_text(encoding="utf-8")), environment)
    sdist_only = sdist_only_packages(LOCK.read_text(encoding="utf-8"))
    install_dependencies(output, pins, sdist_only, python_version, platform_tag)
    problems = version_mismatches(installed_versions(output), {p.name: p.version for p in pins})
    if problems:
        raise PackageError("the package does not hold exactly the locked versions:\n  " + "\n  ".join(problems))
    write_sbom(output, sbom_path(output))
    try:
        add_bytecode(output, python_version, python)
    except BytecodeError as exc:
        raise PackageError(str(exc)) from exc
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
    parser.add_argument("--python", help="the target version's interpreter, for the bytecode (default: found here)")
    parser.add_argument("--zip", action="store_true", help="also write <output>.zip")
    args = parser.parse_args(argv)
    try:
        output = build(args.output, args.python_version, args.platform, args.python)
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    count, size = summarize(output)
    print(f"package: {output} ({count} files, {size / 2**20:.1f} MB) for python{args.python_version} {args.platform}")
    print(f"package: every distribution at its locked version (requirements/runtime.txt); SBOM {sbom_path(output)}")
    print(f"package: every module compiled for python{args.python_version} (unchecked-hash .pyc)")
    if not (output / "index.py").is_file():
        print("package: warning: function/index.py is missing; FC's handler index.handler will not load")
    if args.zip:
        archive = output.with_suffix(".zip")
        write_zip(output, archive)
        print(f"package: {archive} ({archive.stat().st_size / 2**20:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
