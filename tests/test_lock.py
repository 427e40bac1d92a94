"""The lock (uv.lock + requirements/*.txt) agrees with pyproject.toml, and `make lock`'s check says so when not.

Uses the uv that the Makefile installs into the venv (requirements/bootstrap.txt); offline.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from scripts import lock

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def uv() -> str:
    return lock.find_uv()


def copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "requirements").mkdir(parents=True)
    for name in ("pyproject.toml", "uv.lock", "README.md", "requirements/runtime.txt", "requirements/bootstrap.txt"):
        shutil.copyfile(lock.REPO / name, project / name)
    return project


def test_the_committed_lock_agrees_with_pyproject(uv: str) -> None:
    assert lock.check(uv) == []


def test_a_dependency_added_to_pyproject_but_not_locked_fails_the_check_with_the_hint(
    uv: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(
        text.replace('    "python-json-logger>=3,<5",\n', '    "python-json-logger>=3,<5",\n    "six",\n')
    )
    assert pyproject.read_text() != text
    problems = lock.check(uv, project)
    assert len(problems) == 1 and problems[0].startswith("uv.lock does not match pyproject.toml")
    assert lock.main(["check", "--project", str(project)]) == 1
    assert "run `make lock`" in capsys.readouterr().err


def test_a_hand_edited_export_fails_the_check(uv: str, tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    runtime = project / "requirements" / "runtime.txt"
    runtime.write_text(runtime.read_text().replace("aiohttp==3.14.5", "aiohttp==3.14.4"))
    assert lock.check(uv, project) == ["requirements/runtime.txt is not what uv.lock exports"]


def test_stale_exports_names_missing_and_different_files(tmp_path: Path) -> None:
    (tmp_path / "same.txt").write_text("a==1\n")
    (tmp_path / "other.txt").write_text("a==1\n")
    expected = {"same.txt": "a==1\n", "other.txt": "a==2\n", "missing.txt": "b==1\n"}
    assert lock.stale_exports(expected, tmp_path) == ["missing.txt", "other.txt"]


def test_every_runtime_pin_carries_hashes() -> None:
    text = (lock.REPO / "requirements" / "runtime.txt").read_text()
    pins = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert pins and all("==" in p and p.endswith("\\") for p in pins)  # each pin continues with --hash lines
