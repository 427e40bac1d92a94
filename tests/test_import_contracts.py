"""The import contracts of pyproject.toml ([tool.importlinter]) hold for function/emr_bootstrap/ and break on a copy
of it given one import against the layers (docs/architecture.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "function" / "emr_bootstrap"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tmp_path: Path, module: str = "", line: str = "") -> subprocess.CompletedProcess[str]:
    """lint-imports on a copy of the package, with ``line`` added at the top of ``module`` (a path in it)."""
    copy = tmp_path / "function" / "emr_bootstrap"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if module:
        path = copy / module
        path.write_text(f"{line}\n{path.read_text()}")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "function")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )


def test_the_package_as_it_is_keeps_every_import_contract(tmp_path: Path) -> None:
    run = lint_imports(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("core/plan.py", "import emr_bootstrap.application.app", "Layers: each imports only those below it"),
        ("core/plan.py", "import os", "The core and the sweeps never read the settings or the environment"),
        ("core/trust.py", "import alibabacloud_ram20150501", "Only the adapters import the SDK"),
        ("adapters/sdk_fc.py", "import emr_bootstrap.intake.jobs", "The adapters never import what FC hands over"),
        ("core/catalog.py", "import emr_bootstrap.core.reconcile", "No import cycles"),
    ],
)
def test_an_import_against_the_layers_breaks_the_contract_that_forbids_it(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    run = lint_imports(tmp_path, module, line)
    assert run.returncode != 0
    verdict = next(line for line in run.stdout.splitlines() if line.startswith(broken))  # the summary, then details
    assert verdict.endswith(" BROKEN")
