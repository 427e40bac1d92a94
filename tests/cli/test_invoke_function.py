"""``invoke --function``: the deployed function invoked synchronously through FC InvokeFunction (the official SDK,
the operator's key) against the emulator, whose FC runs the registered handler end to end."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from emulator.local_fc import LocalFunctionCompute
from tests.cli.conftest import EVENTS

if TYPE_CHECKING:
    from pathlib import Path

    from emulator.testing import Emulator
    from tests.cli.conftest import Cli


@pytest.fixture(scope="module")
def deployed(emu: Emulator) -> LocalFunctionCompute:
    return LocalFunctionCompute(emu, role_name="invoke-fn-event", http_role_name="invoke-fn-http")


@pytest.fixture
def empty(tmp_path: Path) -> str:
    path = tmp_path / "empty.json"
    path.write_text("{}")
    return str(path)


@pytest.fixture
def request_file(tmp_path: Path, emu: Emulator) -> Path:
    member = emu.create_member_account("invoke-fn")
    path = tmp_path / "request.json"
    path.write_text(json.dumps({"accountIds": [member], "dryRun": True}))
    return path


def test_invoke_function_runs_the_deployed_handler_and_renders_its_result(
    cli: Cli, against: list[str], deployed: LocalFunctionCompute, request_file: Path, emu: Emulator
) -> None:
    mark = len(emu.calls)
    run = cli("invoke", "--function", "emr-bootstrap-event", "--request", str(request_file), *against)
    assert run.code == 0, run.err
    assert "planned" in run.out and "dry run, nothing was changed" in run.out
    invoked = [c for c in emu.calls[mark:] if c.action == "InvokeFunction"]
    assert [(c.code, c.params.get("x-fc-invocation-type")) for c in invoked] == [("OK", "Sync")]
    assert invoked[0].caller_arn is not None and invoked[0].caller_arn.endswith("user/operator")


def test_invoke_function_json_prints_the_functions_result_exactly(
    cli: Cli, against: list[str], deployed: LocalFunctionCompute, request_file: Path
) -> None:
    run = cli("invoke", "--function", "emr-bootstrap-event", "--request", str(request_file), "-o", "json", *against)
    assert run.code == 0, run.err
    result = run.json()
    assert result["dryRun"] is True and result["summary"]["accounts"] == 1


def test_invoke_function_of_a_failed_account_exits_1(
    cli: Cli, against: list[str], deployed: LocalFunctionCompute, tmp_path: Path, emu: Emulator
) -> None:
    member = emu.create_member_account("invoke-fn-no-role", access_role=False)
    request = tmp_path / "r.json"
    request.write_text(json.dumps({"accountIds": [member], "dryRun": True}))
    run = cli("invoke", "--function", "emr-bootstrap-event", "--request", str(request), *against)
    assert run.code == 1, run.out + run.err
    assert "AccessRoleMissing" in run.out


def failing_function(emu: Emulator, name: str, error: Exception) -> None:
    """A deployed function whose handler raises ``error``."""

    def broken(event: bytes, context: object) -> str:
        raise error

    emu.create_function(emu.management_account_id, name, handler=broken, exist_ok=True)


def test_a_handler_that_raises_is_one_line_with_a_hint_and_exit_1(
    cli: Cli, against: list[str], emu: Emulator, empty: str
) -> None:
    failing_function(emu, "invoke-fn-broken", RuntimeError("boom"))
    run = cli("invoke", "--function", "invoke-fn-broken", "--request", empty, *against)
    assert run.code == 1
    assert "error: the function invoke-fn-broken failed (UnhandledInvocationError): RuntimeError: boom" in run.err
    assert "hint:" in run.err
    assert "Traceback" not in run.err


def test_an_unknown_function_is_exit_1_with_a_hint(cli: Cli, against: list[str], empty: str) -> None:
    run = cli("invoke", "--function", "no-such-function", "--request", empty, *against)
    assert run.code == 1
    assert "FunctionNotFound" in run.err and "hint: Check --function" in run.err


def test_invoke_function_without_an_event_is_a_usage_error(cli: Cli, against: list[str]) -> None:
    run = cli("invoke", "--function", "emr-bootstrap-event", *against)
    assert run.code == 2 and "needs an event" in run.err


def test_qualifier_without_function_is_a_usage_error(cli: Cli, against: list[str], empty: str) -> None:
    run = cli("invoke", "--qualifier", "prod", "--request", empty, *against)
    assert run.code == 2 and "--function" in run.err


def test_the_local_form_still_needs_no_function(cli: Cli, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"accountIds": ["1000000000000002"], "dryRun": True}))
    run = cli("invoke", "--local", str(event))
    assert run.code == 0, run.err
    assert "planned" in run.out


def test_invoke_function_local_runs_in_a_fresh_emulator_without_credentials(cli: Cli, request_file: Path) -> None:
    event = json.loads(request_file.read_text())
    event["accountIds"] = ["1000000000000002"]
    request_file.write_text(json.dumps(event))
    run = cli("invoke", "--local", "--function", "emr-bootstrap-event", "--request", str(request_file))
    assert run.code == 0, run.err
    assert "1000000000000002" in run.out and "planned" in run.out


def test_the_http_function_reply_is_rendered_like_a_local_http_invocation(
    cli: Cli, against: list[str], deployed: LocalFunctionCompute
) -> None:
    run = cli("invoke", "--function", "emr-bootstrap-http", str(EVENTS / "http-invocation.json"), *against)
    local = cli("invoke", "--local", str(EVENTS / "http-invocation.json"))
    assert run.out.splitlines()[0] == local.out.splitlines()[0]
    assert run.out.splitlines()[0].startswith("HTTP ")
    assert run.code == local.code


def test_a_function_error_with_json_output_is_a_json_error_document(
    cli: Cli, against: list[str], emu: Emulator, empty: str
) -> None:
    failing_function(emu, "invoke-fn-broken-json", ValueError("bad event"))
    run = cli("invoke", "--function", "invoke-fn-broken-json", "--request", empty, "-o", "json", *against)
    assert run.code == 1
    error = run.json()["error"]
    assert error["message"].endswith("(UnhandledInvocationError): ValueError: bad event") and error["hint"]
