"""``doctor`` against the emulator: a correct deployment passes every check; each deliberately broken setup fails
its own check with a hint (exit 1); and whatever it finds, it never writes (the call log holds no write action)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from emr_bootstrap_cli.deployment import POLICY_DIR
from emulator.fc.responses import SERVICE as FC
from emulator.local_fc import LocalFunctionCompute
from emulator.ram.responses import SERVICE as RAM
from emulator.resourcemanager.responses import SERVICE as RM
from emulator.sts.responses import SERVICE as STS
from emulator.testing import Emulator, bypass_proxies

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.cli.conftest import Cli, CliRun

# Every action the emulator persists after, and the FC invocation: none may appear in doctor's call log.
WRITE_ACTIONS = RAM.mutating | STS.mutating | RM.mutating | FC.mutating | {"InvokeFunction"}


@dataclass
class Setup:
    emu: Emulator
    key: tuple[str, str]
    members: list[str]

    @property
    def management(self) -> str:
        return self.emu.management_account_id


@pytest.fixture
def setup() -> Iterator[Setup]:
    """A fresh, correct deployment: two members, both functions as s.yaml declares them, both roles with the
    shipped policies, an administrator operator."""
    bypass_proxies()
    with Emulator() as emu:
        members = [emu.create_member_account(f"doctor-{n}") for n in range(2)]
        LocalFunctionCompute(emu, role_name="emr-bootstrap-event", http_role_name="emr-bootstrap-http")
        key = emu.create_user(emu.management_account_id, "operator", policies=["AdministratorAccess"])
        yield Setup(emu, key, members)


def doctor(cli: Cli, setup: Setup, *args: str, key: tuple[str, str] | None = None) -> CliRun:
    access_key = key or setup.key
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": access_key[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": access_key[1]}
    mark = len(setup.emu.calls)
    run = cli("doctor", "--endpoint-url", setup.emu.endpoint, "-o", "json", *args, env=env)
    writes = [call.action for call in setup.emu.calls[mark:] if call.action in WRITE_ACTIONS]
    assert writes == [], f"doctor wrote: {writes}"
    return run


def checks(run: CliRun) -> dict[str, dict[str, str]]:
    return {check["name"]: check for check in run.json()["checks"]}


def failed(run: CliRun) -> dict[str, dict[str, str]]:
    return {name: check for name, check in checks(run).items() if check["status"] == "fail"}


def test_a_correct_deployment_passes_every_check(cli: Cli, setup: Setup) -> None:
    run = doctor(cli, setup, "--plan-sample", "2")
    assert run.code == 0, run.out
    assert run.json()["status"] == "passed"
    assert {name: c["status"] for name, c in checks(run).items()} == {
        "credentials": "pass",
        "resource-directory": "pass",
        "member-access-role": "pass",
        "function emr-bootstrap-event": "pass",
        "function emr-bootstrap-http": "pass",
        "role emr-bootstrap-event": "pass",
        "role emr-bootstrap-http": "pass",
        "plan-sample": "pass",
    }
    assert run.json()["expected"].endswith("s.yaml")


def test_the_table_marks_each_check_and_says_where_the_expected_values_came_from(cli: Cli, setup: Setup) -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": setup.key[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": setup.key[1]}
    run = cli("doctor", "--endpoint-url", setup.emu.endpoint, env=env)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].startswith("OK credentials: ")  # captured stdout has no UTF-8 encoding: the ASCII marks
    assert lines[-2].startswith("expected values: ") and lines[-1] == "all 7 checks passed"


def test_an_account_outside_any_directory_fails_the_directory_check(cli: Cli, setup: Setup) -> None:
    loner = setup.emu.create_member_account("doctor-loner")
    setup.emu.leave_directory(loner)
    run = doctor(cli, setup, key=setup.emu.root_key_of(loner))
    assert run.code == 1
    problem = failed(run)["resource-directory"]
    assert "ResourceDirectoryNotInUse" in problem["detail"] and "Enable Resource Directory" in problem["hint"]
    assert checks(run)["member-access-role"]["status"] == "skip"


def test_a_members_credentials_fail_the_management_account_check(cli: Cli, setup: Setup) -> None:
    run = doctor(cli, setup, key=setup.emu.root_key_of(setup.members[0]))
    assert run.code == 1
    problem = failed(run)["resource-directory"]
    assert f"whose management account is {setup.management}" in problem["detail"]
    assert checks(run)["credentials"]["status"] == "pass"


def test_a_member_without_the_access_role_fails_the_member_check(cli: Cli, setup: Setup) -> None:
    orphan = setup.emu.create_member_account("doctor-orphan", access_role=False)
    run = doctor(cli, setup, "--sample", "10")
    assert run.code == 1
    assert set(failed(run)) == {"member-access-role"}
    assert f"{orphan} (EntityNotExist.Role)" in failed(run)["member-access-role"]["detail"]


def test_a_missing_function_fails_its_check(cli: Cli, setup: Setup) -> None:
    setup.emu.delete_function(setup.management, "emr-bootstrap-http")
    run = doctor(cli, setup)
    assert set(failed(run)) == {"function emr-bootstrap-http"}
    assert "FunctionNotFound" in failed(run)["function emr-bootstrap-http"]["detail"]
    assert "s deploy" in failed(run)["function emr-bootstrap-http"]["hint"]
    assert run.code == 1


def redeploy(setup: Setup, name: str, **changes: Any) -> None:
    """Re-register a function of the correct deployment with some of its FC state changed."""
    function = setup.emu.state.functions.get(setup.management, name)
    assert function is not None
    setup.emu.create_function(
        setup.management,
        name,
        exist_ok=True,
        config={**function.config, **changes.get("config", {})},
        triggers=changes.get("triggers", function.triggers),
        async_config=changes.get("async_config", function.async_config),
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"config": {"runtime": "python3.9"}}, "runtime is 'python3.9', expected 'python3.10'"),
        ({"config": {"handler": "index.http_handler"}}, "handler is 'index.http_handler'"),
        ({"config": {"timeout": 60}}, "timeout is 60, expected 600"),
        ({"triggers": ()}, "no timer trigger sweep-recent-changes; no timer trigger sweep-daily"),
        ({"async_config": None}, "no asynchronous invocation config"),
        ({"async_config": {"maxAsyncRetryAttempts": 3}}, "async retries 3, expected 2; async failure destination None"),
    ],
)
def test_a_function_unlike_s_yaml_fails_its_check(
    cli: Cli, setup: Setup, changes: dict[str, Any], expected: str
) -> None:
    redeploy(setup, "emr-bootstrap-event", **changes)
    run = doctor(cli, setup)
    assert run.code == 1
    assert set(failed(run)) == {"function emr-bootstrap-event"}
    assert expected in failed(run)["function emr-bootstrap-event"]["detail"]


def test_a_disabled_timer_fails_the_function_check(cli: Cli, setup: Setup) -> None:
    function = setup.emu.state.functions.get(setup.management, "emr-bootstrap-event")
    assert function is not None
    triggers = [dict(t) for t in function.triggers]
    config = json.loads(triggers[0]["triggerConfig"])
    triggers[0]["triggerConfig"] = json.dumps({**config, "enable": False})
    redeploy(setup, "emr-bootstrap-event", triggers=tuple(triggers))
    run = doctor(cli, setup)
    assert f"timer {triggers[0]['triggerName']} is disabled" in failed(run)["function emr-bootstrap-event"]["detail"]


def test_a_policy_that_differs_from_deploy_policies_fails_the_role_check(cli: Cli, setup: Setup) -> None:
    document = LocalFunctionCompute.shipped_policy("http")
    document["Statement"][0]["Action"] = ["sts:AssumeRole", "ram:CreateRole"]
    setup.emu.create_custom_policy(setup.management, "doctor-widened", json.dumps(document))
    setup.emu.create_role(
        setup.management,
        "emr-bootstrap-http",
        trust_text(),
        custom_policies=["doctor-widened"],
        exist_ok=True,
    )
    run = doctor(cli, setup)
    assert run.code == 1
    assert set(failed(run)) == {"role emr-bootstrap-http"}
    detail = failed(run)["role emr-bootstrap-http"]["detail"]
    assert "grant more than deploy/policies: ram:createrole" in detail
    assert "deploy/policies/function-http-role-policy.json" in failed(run)["role emr-bootstrap-http"]["hint"]


def trust_text() -> str:
    return (POLICY_DIR / "function-trust-policy.json").read_text()


def test_no_credentials_fail_the_first_check_with_the_setup_hint(cli: Cli, setup: Setup) -> None:
    run = cli("doctor", "--endpoint-url", setup.emu.endpoint, "-o", "json")
    assert run.code == 1
    assert failed(run)["credentials"]["hint"].startswith("Set ALIBABA_CLOUD_ACCESS_KEY_ID")


def test_a_bad_sample_is_a_usage_error(cli: Cli) -> None:
    assert cli("doctor", "--sample", "0").code == 2


def test_an_operator_who_cannot_list_accounts_fails_the_directory_check_with_a_hint(cli: Cli, setup: Setup) -> None:
    deny = {
        "Version": "1",
        "Statement": [{"Effect": "Deny", "Action": "resourcemanager:ListAccounts", "Resource": "*"}],
    }
    setup.emu.create_custom_policy(setup.management, "doctor-no-list", json.dumps(deny))
    key = setup.emu.create_user(setup.management, "doctor-limited", ["AdministratorAccess"])
    setup.emu.attach_user_policy(setup.management, "doctor-limited", "doctor-no-list", policy_type="Custom")
    run = doctor(cli, setup, key=key)
    assert run.code == 1
    assert failed(run)["resource-directory"]["detail"].startswith("ListAccounts: ")
    assert "resourcemanager:ListAccounts" in failed(run)["resource-directory"]["hint"]
