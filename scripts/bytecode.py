"""Bytecode for the package, compiled by the target runtime's own Python (``make package`` calls it).

Without it every new FC instance compiles the whole package (about 1,400 modules) before its first event, and the
cache it writes, where ``/code`` is writable at all, dies with the instance. ``compileall`` of the target version
writes ``__pycache__/<module>.cpython-310.pyc`` beside each module; ``--invalidation-mode unchecked-hash`` makes the
interpreter load them without comparing the source's timestamp or hash, so the timestamps an unzip sets cannot make
them stale (PEP 552). The check afterwards refuses a package in which any ``.py`` lacks its ``.pyc``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class BytecodeError(Exception):
    """The package cannot be given its bytecode; the message says why and what to do."""


def find_python(version: str) -> str | None:
    """A working CPython ``version`` (e.g. 3.10): ``python3.10`` on PATH, or a pyenv install of it."""
    candidates = [
        shutil.which(f"python{version}"),
        *sorted(str(p) for p in (Path.home() / ".pyenv" / "versions").glob(f"{version}.*/bin/python{version}")),
    ]
    probe = f"import sys; assert '%d.%d' % sys.version_info[:2] == {version!r}"
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", probe], check=False, capture_output=True).returncode == 0:
            return candidate
    return None


def cache_tag(version: str) -> str:
    """``cpython-310`` for ``3.10``: the name part of the ``.pyc`` files that interpreter looks for."""
    return "cpython-" + version.replace(".", "")


def compile_package(folder: Path, python: str) -> None:
    """Compile every module in ``folder`` with ``python`` (quiet, all cores, unchecked hash-based pycs)."""
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(folder)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BytecodeError(f"compileall failed with {python}:\n{completed.stdout}\n{completed.stderr}")


def missing_bytecode(folder: Path, version: str) -> list[str]:
    """The ``.py`` files under ``folder`` (relative paths) whose ``__pycache__/*.<tag>.pyc`` is not there."""
    tag = cache_tag(version)
    return sorted(
        source.relative_to(folder).as_posix()
        for source in folder.rglob("*.py")
        if not (source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc").is_file()
    )


def add_bytecode(folder: Path, version: str, python: str | None) -> str:
    """Compile ``folder`` for Python ``version`` and check that nothing was left out; returns the interpreter used."""
    interpreter = python or find_python(version)
    if interpreter is None:
        raise BytecodeError(
            f"no python{version} found to compile the package's bytecode with (the target runtime's Python): "
            f"install it (e.g. `pyenv install {version}`) or pass --python PATH"
        )
    compile_package(folder, interpreter)
    missing = missing_bytecode(folder, version)
    if missing:
        shown = "\n  ".join(missing[:20]) + ("\n  ..." if len(missing) > 20 else "")
        raise BytecodeError(f"{len(missing)} module(s) without python{version} bytecode:\n  {shown}")
    return interpreter
