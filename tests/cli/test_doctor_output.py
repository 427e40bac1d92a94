"""``doctor``'s expected values and output: the built-in values are this release's s.yaml, a UTF-8 terminal gets
✔/✖, anything else plain ASCII; the exit code follows the checks."""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

from emr_bootstrap_cli import deployment
from emr_bootstrap_cli.main import main

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from tests.cli.conftest import Cli


def test_the_built_in_expected_values_are_the_repositorys_s_yaml() -> None:
    assert deployment.from_s_yaml(deployment.S_YAML) == deployment.BUILT_IN


def test_without_an_s_yaml_the_built_in_values_are_used_and_named(tmp_path: Path) -> None:
    specs, source = deployment.expected(tmp_path / "absent.yaml")
    assert specs == deployment.BUILT_IN and source.startswith("built-in")


def test_the_placeholder_account_stands_for_the_callers() -> None:
    event = deployment.BUILT_IN[0].in_account("1234567890123456")
    assert event.role == "acs:ram::1234567890123456:role/emr-bootstrap-event"
    assert event.on_failure is not None and ":1234567890123456:/queues/" in event.on_failure


class Utf8Stream(io.StringIO):
    encoding = "utf-8"


def test_a_utf8_stdout_gets_check_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("HOME", "/nonexistent")
    out = Utf8Stream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", io.StringIO())

    code = main(["doctor", "--endpoint-url", "http://127.0.0.1:9"])

    assert code == 1
    first = out.getvalue().splitlines()[0]
    assert first.startswith("✖ credentials: ")
    assert out.getvalue().splitlines()[1].startswith("    hint: ")


def test_doctor_help_names_its_checks_and_options(cli: Cli) -> None:
    run = cli("doctor", "--help")
    assert run.code == 0
    for option in ("--sample", "--plan-sample", "--region", "--s-yaml", "--profile", "--endpoint-url", "--output"):
        assert option in run.out
