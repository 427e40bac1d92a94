"""The exit codes are a contract scripts rely on: 0 succeeded; 1 an account failed, was not attempted or is not
ready (the result's needsAction), or a role drifted, whatever the output format; 2 usage; 3 credentials; 130
interrupted. Checked through ``main(argv)`` and through the installed console script in its own process. Every
refusal is one line and a hint; with ``-o json`` stdout always carries a JSON document."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.cli.conftest import Cli

SCRIPT = Path(sys.executable).with_name("emr-bootstrap")


@pytest.mark.parametrize("output", ["table", "json"])
def test_an_account_that_failed_exits_1_in_either_output(
    cli: Cli, emu: Emulator, against: list[str], output: str
) -> None:
    member = emu.create_member_account("exit-failed", access_role=False)

    run = cli("plan", member, "-o", output, *against)

    assert run.code == 1
    status = run.json()["accounts"][0]["status"] if output == "json" else run.out.splitlines()[1].split()[1]
    assert status == "failed"


def test_a_partial_result_exits_1(cli: Cli, emu: Emulator, against: list[str]) -> None:
    good, bad = emu.create_member_account("exit-good"), emu.create_member_account("exit-bad", access_role=False)

    run = cli("apply", good, bad, "--yes", "-o", "json", *against)

    assert run.code == 1
    assert run.json()["status"] == "partial" and "1 of 2 accounts failed" in run.err
    assert run.err.splitlines()[-1].startswith("  hint: ")


def test_an_account_not_ready_needs_action_and_exits_1(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("exit-not-ready", status="CreateVerifying")

    run = cli("plan", member, "-o", "json", *against)

    assert run.code == 1 and run.json()["accounts"][0]["skipped"]["code"] == "AccountNotReady"


def test_a_management_account_left_alone_by_design_exits_0(cli: Cli) -> None:
    assert cli("plan", "--local", "1000000000000001").code == 0


def script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], env={**os.environ, **env}, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_console_script_exits_0_1_2_and_3_as_documented(emu: Emulator, operator_key: tuple[str, str]) -> None:
    keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": operator_key[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": operator_key[1]}
    good, bad = emu.create_member_account("script-good"), emu.create_member_account("script-bad", access_role=False)
    at = ["--endpoint-url", emu.endpoint]

    succeeded = script("plan", good, "-o", "json", *at, env=keys)
    failed = script("plan", bad, *at, env=keys)
    usage = script("plan", "--local", "12ab", "-o", "json", env=keys)
    wrong = script("plan", good, *at, env={**keys, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "not-the-secret"})

    assert succeeded.returncode == 0 and json.loads(succeeded.stdout)["status"] == "succeeded"
    assert failed.returncode == 1 and "failed" in failed.stdout
    assert usage.returncode == 2 and json.loads(usage.stdout)["error"]["code"] == "InvalidUsage"
    assert wrong.returncode == 3


@pytest.mark.parametrize("output", ["table", "json"])
def test_a_wrong_secret_is_one_line_and_a_hint_with_no_hash(
    cli: Cli, emu: Emulator, operator_key: tuple[str, str], output: str
) -> None:
    keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": operator_key[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "not-the-secret"}

    run = cli("plan", "1000000000000002", "-o", output, "--endpoint-url", emu.endpoint, env=keys)

    assert run.code == 3
    error, hint = run.err.splitlines()
    assert "SignatureDoesNotMatch" in error and "string to sign" not in error and hint.startswith("  hint: ")
    if output == "table":
        assert "string to sign" not in run.out
        assert all(len(line.split()) > 1 or not line.strip() for line in run.out.splitlines())  # no bare hash


def test_a_sweep_refused_by_the_cloud_ends_at_once_with_exit_3(
    cli: Cli, emu: Emulator, operator_key: tuple[str, str]
) -> None:
    keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": operator_key[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "not-the-secret"}

    run = cli("sweep", "--dry-run", "-o", "json", "--endpoint-url", emu.endpoint, env=keys)

    assert run.code == 3 and run.json()["error"]["code"] == "SignatureDoesNotMatch"
    assert run.err.count("sweep: 0 accounts so far") == 1 and "resume:" in run.err


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--local", "12ab"],
        ["plan", "--no-such-option"],
        ["frobnicate"],
        ["sweep", "--drift", "sideways"],
        ["invoke", "--local", "no-such-file.json"],
        ["apply", "--local", "no-such-plan.json"],
    ],
)
def test_with_json_output_every_refusal_is_a_json_document_and_one_line_with_a_hint(cli: Cli, args: list[str]) -> None:
    run = cli(*args, "-o", "json")

    assert run.code == 2
    error = run.json()["error"]
    assert run.json()["status"] == "invalid" and error["message"] and error["hint"]
    line, hint = run.err.splitlines()
    assert line.startswith("emr-bootstrap: error: ") and hint.startswith("  hint: ")


def test_ctrl_c_at_the_question_exits_130_through_the_console_script_having_written_nothing() -> None:
    process = subprocess.Popen(
        [str(SCRIPT), "apply", "--local", "1000000000000002"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        asked = ""
        while not asked.endswith("[y/N]: "):
            char = process.stderr.read(1)
            assert char, asked
            asked += char
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
        err = asked + process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()

    assert code == 130, err
    assert "emr-bootstrap: error: interrupted" in err and "stdin is closed" not in err and "applying" not in err
