"""Each subcommand, as an operator uses it, against the emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.core.catalog import load_catalog

from tests.cli.conftest import EVENTS, table, tables, writes_since

if TYPE_CHECKING:
    from pathlib import Path

    from emulator.testing import Emulator
    from tests.cli.conftest import Cli

REPO = EVENTS.parent


def test_plan_shows_the_roles_it_would_create_and_writes_nothing(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("plan-me")
    mark = len(emu.calls)

    run = cli("plan", member, *against)

    assert run.code == 0, run.err
    rows = table(run.out)
    assert [(row["ROLE"], row["OUTCOME"]) for row in rows] == [
        ("AliyunEMRDefaultRole", "planned"),
        ("AliyunECSInstanceForEMRRole", "planned"),
    ]
    assert rows[0]["CHANGES"] == "CreateRole, AttachPolicyToRole" and "dry run" in run.out
    assert writes_since(emu, mark) == []


def test_apply_with_yes_creates_the_roles_and_a_second_apply_finds_nothing_to_change(
    cli: Cli, emu: Emulator, against: list[str]
) -> None:
    member = emu.create_member_account("apply-me")

    first = cli("apply", member, "--feature", "studio", "--yes", *against)
    mark = len(emu.calls)
    second = cli("apply", member, "--feature", "studio", "--yes", *against)

    assert first.code == 0, first.err
    planned, applied = tables(first.out)
    assert [row["OUTCOME"] for row in planned] == ["planned"] * 3
    assert [row["OUTCOME"] for row in applied] == ["created"] * 3
    assert emu.role(member, "AliyunECSInstanceForEMRStudioRole") is not None
    assert second.code == 0 and "nothing to change" in second.err
    assert writes_since(emu, mark) == []


def test_apply_shows_the_plan_then_writes_once_the_operator_says_yes(
    cli: Cli, emu: Emulator, against: list[str]
) -> None:
    member = emu.create_member_account("confirm-me")

    run = cli("apply", member, *against, stdin="y\n")

    assert run.code == 0, run.err
    assert "Apply 4 changes in 1 account?" in run.err
    planned, applied = tables(run.out)
    assert {row["OUTCOME"] for row in planned} == {"planned"} and {row["OUTCOME"] for row in applied} == {"created"}


def test_apply_declined_writes_nothing_and_exits_1(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("decline-me")
    mark = len(emu.calls)

    run = cli("apply", member, *against, stdin="n\n")

    assert run.code == 1 and "nothing was applied" in run.err
    assert writes_since(emu, mark) == []


def test_apply_with_no_answer_is_a_usage_error_pointing_at_yes(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("no-answer")

    run = cli("apply", member, *against, stdin="")

    assert run.code == 2 and "--yes" in run.err
    assert emu.role(member, "AliyunEMRDefaultRole") is None


def test_a_request_file_gives_the_fields_and_arguments_override_its_accounts(
    cli: Cli, emu: Emulator, against: list[str], tmp_path: Path
) -> None:
    member = emu.create_member_account("from-file")
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"accountIds": ["1999999999999999"], "roles": ["AliyunEMRDefaultRole"]}))

    run = cli("plan", "--request", str(request), member, "--output", "json", *against)

    (account,) = run.json()["accounts"]
    assert (account["accountId"], [r["roleName"] for r in account["roles"]]) == (member, ["AliyunEMRDefaultRole"])


def test_catalog_json_prints_one_entry_per_role_with_its_role_name(cli: Cli) -> None:
    run = cli("catalog", "--output", "json")

    assert run.code == 0
    entries = run.json()["roles"]
    assert [entry["roleName"] for entry in entries] == list(load_catalog().names)
    assert all(entry["policyName"] and entry["trustedServices"] for entry in entries)


def test_catalog_table_lists_every_role_with_what_it_trusts(cli: Cli) -> None:
    run = cli("catalog")

    assert run.code == 0
    for role in load_catalog().roles:
        assert role.name in run.out and role.policy_name in run.out
    assert "emr.aliyuncs.com" in run.out and 'feature "studio"' in run.out


@pytest.mark.parametrize(
    ("event", "code", "shown"),
    [
        ("actiontrail-create-resource-account.json", 0, "created"),
        ("eventbridge-batch.json", 0, "1000000000000003"),
        ("direct-dry-run.json", 0, "planned"),
        ("http-invocation-base64.json", 0, "HTTP 200"),
        ("timer-daily.json", 0, "ManagementAccountExcluded"),
        ("actiontrail-unrelated.json", 0, "ignored"),
        ("invalid-unknown-role.json", 2, "AliyunEMRDefualtRole"),
    ],
)
def test_invoke_local_runs_a_sample_event_against_accounts_with_the_ids_it_names(
    cli: Cli, event: str, code: int, shown: str
) -> None:
    run = cli("invoke", "--local", str(EVENTS / event))

    assert run.code == code, run.err
    assert shown in run.out


def test_invoke_against_an_endpoint_runs_the_handler_as_the_callers_account(
    cli: Cli, emu: Emulator, against: list[str]
) -> None:
    if emu.state.account("1000000000000002") is None:
        emu.create_member_account("sample-member", account_id="1000000000000002")

    run = cli("invoke", str(EVENTS / "actiontrail-create-resource-account.json"), "-o", "json", *against)

    # The event was published by 1000000000000001, the operator's account: believed, as it is the function's own.
    assert run.code == 0, run.err
    assert run.json()["accounts"][0]["accountId"] == "1000000000000002"


def test_invoke_reports_an_event_that_fc_would_retry_and_exits_1(
    cli: Cli, emu: Emulator, against: list[str], tmp_path: Path
) -> None:
    member = emu.create_member_account("no-access-role-yet", access_role=False)
    event = tmp_path / "event.json"
    text = (EVENTS / "actiontrail-create-resource-account.json").read_text().replace("1000000000000002", member)
    event.write_text(text)

    run = cli("invoke", str(event), *against)

    assert run.code == 1
    assert "EventDeliveryFailed" in run.err and "AccessRoleMissing" in run.err


def test_the_emulator_subcommand_is_the_emulator_program(cli: Cli) -> None:
    help_run = cli("emulator", "--help")
    bad_run = cli("emulator", "--throttle-rate", "2")

    assert help_run.code == 0 and "emr-bootstrap-emulator" in help_run.out
    assert bad_run.code == 2 and "throttle" in bad_run.err


def test_serve_refuses_a_non_loopback_address_before_starting_anything(cli: Cli) -> None:
    run = cli("serve", "--host", "0.0.0.0")

    assert run.code == 2 and "loopback" in run.err


def serve(*args: str, env: dict[str, str] | None = None) -> tuple[list[str], dict[str, Any], dict[str, Any], int]:
    """Run ``emr-bootstrap serve`` in its own process: its banner, GET /v1/health, a plan, and its exit code after
    Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "emr_bootstrap_cli", "serve", "--port", "0", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = []
        while not (line := process.stdout.readline()).startswith("  try:"):
            assert line, process.stderr.read() if process.stderr else ""
            banner.append(line)
        url = banner[0].split()[2]
        health = json.load(urllib.request.urlopen(f"{url}/v1/health", timeout=30))
        request = urllib.request.Request(
            f"{url}/v1/plan",
            data=json.dumps({"accountIds": ["1000000000000002"]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        plan = json.load(urllib.request.urlopen(request, timeout=30))
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    return banner, health, plan, code


def test_serve_answers_http_until_interrupted_and_says_where_and_which_accounts() -> None:
    banner, health, plan, code = serve("--members", "2")

    assert banner[0].startswith("emr-bootstrap serve: http://127.0.0.1:")
    assert "embedded emulator" in banner[1] and "member accounts: 1000000000000002, 1000000000000003" in banner[3]
    assert health["status"] == "ok"
    assert {r["outcome"] for r in plan["accounts"][0]["roles"]} == {"planned"}
    assert code == 0


def test_serve_no_local_uses_the_operators_credentials_and_endpoint(
    emu: Emulator, operator_key: tuple[str, str]
) -> None:
    if emu.state.account("1000000000000002") is None:
        emu.create_member_account("sample-member", account_id="1000000000000002")
    keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": operator_key[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": operator_key[1]}

    banner, health, plan, code = serve("--no-local", "--endpoint-url", emu.endpoint, env=keys)

    assert f"against {emu.endpoint}, as account {emu.management_account_id}" in banner[1]
    assert health["status"] == "ok" and plan["accounts"][0]["status"] == "succeeded"
    assert code == 0
