"""emulator.testing is imported by the demo and the benchmark too, where pytest (a dev dependency) may be absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_importing_emulator_testing_does_not_load_pytest() -> None:
    check = "import emulator.testing, sys; assert 'pytest' not in sys.modules, 'pytest was imported'"
    result = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_emulator_fixture_is_still_a_pytest_fixture_named_emulator() -> None:
    from emulator import testing

    fixture = testing.emulator_fixture
    assert fixture is testing.emulator_fixture  # built once, then cached
    assert fixture.name == "emulator"
