"""Exit codes: 0 all good; 1 some accounts failed or drifted; 2 a usage error; 3 a credentials or permission
problem. An error is one line and a hint; a traceback only with --debug."""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING

import pytest

from emulator.harness import trust_for_service

if TYPE_CHECKING:
    from pathlib import Path

    from emulator.testing import Emulator
    from tests.cli.conftest import Cli


def test_a_member_that_needs_roles_plans_with_exit_0(cli: Cli, emu: Emulator, against: list[str]) -> None:
    assert cli("plan", emu.create_member_account("zero"), *against).code == 0


def test_a_drifted_role_exits_1(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("drifted")
    emu.create_role(member, "AliyunEMRDefaultRole", trust_for_service("ecs.aliyuncs.com"), ["AliyunEMRRolePolicy"])

    run = cli("plan", member, "--role", "AliyunEMRDefaultRole", "-o", "json", *against)

    assert run.code == 1
    assert run.json()["accounts"][0]["roles"][0]["outcome"] == "drifted" and "drifted" in run.err


@pytest.mark.usefixtures("against")
def test_a_throttled_account_exits_1(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("throttled")
    emu.faults.set("GetRole", throttle_rate=1.0)
    try:
        run = cli("plan", member, *against)
    finally:
        emu.faults.clear()

    assert run.code == 1 and "Throttling.User" in run.out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["plan", "--no-such-option"], "No such option"),
        (["plan", "--local"], "accountIds: is required"),
        (["plan", "--local", "1000000000000002", "--role", "NoSuchRole"], "roles[0]"),
        (["plan", "1000000000000002", "--endpoint-url", "ftp://x/y"], "--endpoint-url"),
        (["plan", "--local", "--profile", "p", "1000000000000002"], "--local"),
        (["invoke", "--local", "no-such-file.json"], "no-such-file.json"),
        (["frobnicate"], "No such command"),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_no_traceback(cli: Cli, args: list[str], said: str) -> None:
    run = cli(*args)

    assert run.code == 2
    assert said in run.err and "Traceback" not in run.err


def test_an_unusable_setting_exits_2_naming_the_variable(cli: Cli, against: list[str]) -> None:
    run = cli("plan", "1000000000000002", *against, env={"EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "soon"})

    assert run.code == 2 and "EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S" in run.err


def test_a_request_file_that_is_not_json_exits_2(cli: Cli, tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text("accountIds=1")

    run = cli("plan", "--local", "--request", str(request))

    assert run.code == 2 and "not JSON" in run.err


def test_an_unknown_access_key_exits_3(cli: Cli, emu: Emulator) -> None:
    keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-unknown", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "x"}

    run = cli("plan", "1000000000000002", "--endpoint-url", emu.endpoint, "-o", "json", env=keys)

    assert run.code == 3
    assert "credentials or permission problem: InvalidAccessKeyId" in run.err


def test_an_operator_without_permissions_exits_3(cli: Cli, emu: Emulator) -> None:
    key_id, secret = emu.create_user(emu.management_account_id, "powerless")
    keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": key_id, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret}

    run = cli("plan", emu.create_member_account("guarded"), "--endpoint-url", emu.endpoint, env=keys)

    assert run.code == 3
    assert "NoPermission" in run.out


def test_apply_stops_after_a_plan_that_failed_and_writes_nothing(cli: Cli, emu: Emulator) -> None:
    key_id, secret = emu.create_user(
        emu.management_account_id, "reader", policies=["AliyunResourceDirectoryReadOnlyAccess"]
    )
    keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": key_id, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret}
    member = emu.create_member_account("unreachable-by-reader")

    run = cli("apply", member, "--yes", "--endpoint-url", emu.endpoint, env=keys)

    assert run.code == 3
    assert "the plan failed for some accounts; nothing was applied" in run.err
    assert emu.role(member, "AliyunEMRDefaultRole") is None


def test_an_unexpected_error_is_one_line_and_the_traceback_only_with_debug(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    # The package exports the command under the module's name: patch the module itself.
    monkeypatch.setattr(importlib.import_module("emr_bootstrap_cli.commands.catalog"), "load_catalog", broken)

    quiet = cli("catalog")
    loud = cli("catalog", "--debug")

    assert quiet.code == loud.code == 1
    assert "unexpected RuntimeError: boom" in quiet.err and "Traceback" not in quiet.err
    assert "Traceback" in loud.err


def test_debug_sends_the_functions_json_logs_to_stderr_never_stdout(cli: Cli) -> None:
    run = cli("plan", "--local", "1000000000000002", "-o", "json", "--debug")

    assert run.code == 0 and run.json()["status"] == "succeeded"
    logs = [json.loads(line) for line in run.err.splitlines() if line.startswith("{")]
    assert any(record.get("logger", "").startswith("emr_bootstrap") for record in logs)
