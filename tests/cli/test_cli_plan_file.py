"""Saved plans, as terraform's: ``plan --out FILE`` saves the request, the target, each account's planned actions
and when; ``apply FILE`` applies exactly that plan, refuses (writing nothing) when the cloud no longer matches it,
acts on no account the file does not name, and refuses a file that is garbled, edited or of another version."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from emr_bootstrap_cli import planfile
from tests.cli.conftest import writes_since

if TYPE_CHECKING:
    from pathlib import Path

    from emulator.testing import Emulator
    from tests.cli.conftest import Cli

DEFAULT_ROLES = ["AliyunEMRDefaultRole", "AliyunECSInstanceForEMRRole"]


def saved(cli: Cli, path: Path, *args: str) -> dict[str, Any]:
    run = cli("plan", *args, "--out", str(path))
    assert run.code == 0, run.err
    assert f"apply it: emr-bootstrap apply {path}" in run.err
    plan: dict[str, Any] = json.loads(path.read_text())
    return plan


def test_a_saved_plan_holds_the_request_target_accounts_actions_and_time(
    cli: Cli, emu: Emulator, against: list[str], tmp_path: Path
) -> None:
    member = emu.create_member_account("plan-file-shape")
    plan = saved(cli, tmp_path / "plan.json", member, "--feature", "studio", *against)

    assert plan["format"] == "emr-bootstrap/plan" and plan["formatVersion"] == 1
    assert plan["createdAt"].endswith("Z") and plan["digest"].startswith("sha256:")
    assert plan["request"] == {"accountIds": [member], "features": ["studio"]}
    assert plan["target"] == {"local": False, "endpoints": emu.endpoint, "accountId": emu.management_account_id}
    assert [role["roleName"] for role in plan["accounts"][0]["roles"]] == [
        *DEFAULT_ROLES,
        "AliyunECSInstanceForEMRStudioRole",
    ]
    assert plan["accounts"][0]["roles"][0]["changes"][0] == {"action": "CreateRole"} and plan["changes"] == 6


def test_apply_file_writes_exactly_the_plan_without_asking(
    cli: Cli, emu: Emulator, against: list[str], tmp_path: Path
) -> None:
    member, done = emu.create_member_account("plan-file-apply"), emu.create_member_account("plan-file-done")
    cli("apply", done, "--yes", *against)
    saved(cli, tmp_path / "plan.json", member, done, *against)
    mark = len(emu.calls)

    run = cli("apply", str(tmp_path / "plan.json"), "-o", "json", *against)

    assert run.code == 0, run.err
    assert [a["accountId"] for a in run.json()["accounts"]] == [member]  # the account without changes: not run
    assert {role["outcome"] for role in run.json()["accounts"][0]["roles"]} == {"created"}
    assert [call.account_id for call in emu.calls[mark:] if call.action == "CreateRole"] == [member, member]


def test_apply_file_refuses_and_shows_the_difference_when_the_cloud_changed(
    cli: Cli, emu: Emulator, against: list[str], tmp_path: Path
) -> None:
    member = emu.create_member_account("plan-file-stale")
    saved(cli, tmp_path / "plan.json", member, *against)
    cli("apply", member, "--role", "AliyunEMRDefaultRole", "--yes", *against)  # someone else got there first
    mark = len(emu.calls)

    run = cli("apply", str(tmp_path / "plan.json"), *against)
    as_json = cli("apply", str(tmp_path / "plan.json"), "-o", "json", *against)

    assert run.code == as_json.code == 1
    assert writes_since(emu, mark) == []
    difference = f"{member} AliyunEMRDefaultRole: planned planned (CreateRole, AttachPolicyToRole); now unchanged"
    assert difference in run.err and "the cloud no longer matches the plan" in run.err
    error = as_json.json()["error"]
    assert error["code"] == "PlanOutdated" and len(error["differences"]) == 1 and error["hint"]


def test_apply_file_acts_on_no_account_the_plan_does_not_name(
    cli: Cli, emu: Emulator, against: list[str], tmp_path: Path
) -> None:
    named, other = emu.create_member_account("plan-file-named"), emu.create_member_account("plan-file-other")
    saved(cli, tmp_path / "plan.json", named, *against)
    mark = len(emu.calls)

    run = cli("apply", str(tmp_path / "plan.json"), *against)

    assert run.code == 0, run.err
    assert {call.account_id for call in emu.calls[mark:] if call.action in ("CreateRole", "GetRole")} == {named}
    assert emu.role(other, "AliyunEMRDefaultRole") is None


def rewrite(path: Path, change: Any, *, keep_digest: bool = False) -> None:
    plan = json.loads(path.read_text())
    change(plan)
    if not keep_digest:
        plan["digest"] = planfile.digest(plan)
    path.write_text(json.dumps(plan))


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda p: p.write_text('{"format": "emr-bootstrap/pl'), "not JSON"),
        (lambda p: p.write_text("[1, 2]"), "not a plan saved by emr-bootstrap plan --out"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00"), "plan file"),
        (lambda p: rewrite(p, lambda d: d.update(formatVersion=2)), "format version 2"),
        (lambda p: rewrite(p, lambda d: d["request"].update(drift="repair"), keep_digest=True), "digest"),
        (lambda p: rewrite(p, lambda d: d["request"]["accountIds"].append("1000000000000999")), "different accounts"),
        (lambda p: rewrite(p, lambda d: d["request"].update(dryRun="no")), "request is invalid"),
        (lambda p: rewrite(p, lambda d: d.update(accounts=[{"accountId": 7}])), "accounts are malformed"),
        (lambda p: p.unlink(), "cannot read it"),
    ],
)
def test_a_garbled_edited_or_foreign_plan_file_is_one_line_and_a_hint_and_exit_2(
    cli: Cli, tmp_path: Path, damage: Any, said: str
) -> None:
    path = tmp_path / "plan.json"
    saved(cli, path, "--local", "1000000000000002")
    damage(path)

    run = cli("apply", "--local", str(path))
    as_json = cli("apply", "--local", str(path), "-o", "json")

    assert run.code == as_json.code == 2 and run.out == ""
    error, hint = run.err.splitlines()
    assert said in error and "nothing was written" in error and hint.startswith("  hint: ")
    assert as_json.json()["status"] == "invalid" and said in as_json.json()["error"]["message"]


def test_a_plan_file_cannot_be_widened_or_changed_by_options(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    saved(cli, path, "--local", "1000000000000002")

    run = cli("apply", "--local", str(path), "--feature", "studio")

    assert run.code == 2 and "--feature cannot change a saved plan" in run.err


def test_a_plan_made_elsewhere_is_refused_naming_both_targets(
    cli: Cli, emu: Emulator, against: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    saved(cli, path, "--local", "1000000000000002")
    mark = len(emu.calls)

    run = cli("apply", str(path), *against)

    assert run.code == 2 and writes_since(emu, mark) == []
    assert "made against the embedded emulator (--local)" in run.err
    assert f"runs against account {emu.management_account_id} at {emu.endpoint}" in run.err


def test_a_plan_with_failed_accounts_is_not_saved(cli: Cli, emu: Emulator, against: list[str], tmp_path: Path) -> None:
    member = emu.create_member_account("plan-file-unreachable", access_role=False)

    run = cli("plan", member, "--out", str(tmp_path / "plan.json"), *against)

    assert run.code == 1 and "was not written" in run.err and not (tmp_path / "plan.json").exists()


def test_out_needs_a_file_name_since_stdout_carries_the_table(cli: Cli) -> None:
    run = cli("plan", "--local", "1000000000000002", "--out", "-")

    assert run.code == 2 and run.out == "" and "--out needs a file name" in run.err
