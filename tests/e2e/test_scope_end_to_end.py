"""Which accounts the function acts on, end to end through the official SDK against the emulator: only members the
directory calls active, never the management account through an allow list, and allowed folders by their place
in the directory, on every path (request, new-account event, sweep)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from emulator.local_fc import LocalFunctionCompute
from tests.e2e.conftest import DEFAULT_ROLES, sample_event, writes_in

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.e2e.conftest import Inspector

# Written out here, not taken from the function: a status wrongly added to its active set must fail these tests.
NOT_ACTIVE = ("Removed", "CreateVerifying", "CreateFailed", "CreateExpired", "CreateCancelled")
ACTIVE = ("CreateSuccess", "InviteSuccess", "PromoteVerifying", "PromoteSuccess", "PromoteFailed")


def sessions_into(emu: Emulator, mark: int) -> Counter[str]:
    """How many sessions the function opened in each account (its AssumeRole calls) since ``mark``."""
    arns = [
        c.params.get("RoleArn", "")
        for c in emu.calls[mark:]
        if c.action == "AssumeRole" and c.caller_arn and "emr-bootstrap" in c.caller_arn
    ]
    return Counter(arn.split(":")[3] for arn in arns if arn.count(":") >= 4)


def outcome(result: dict[str, Any], account_id: str) -> str:
    (account,) = [a for a in result["accounts"] if a["accountId"] == account_id]
    return str(account["skipped"]["code"] if account["status"] == "skipped" else account["status"])


@pytest.mark.parametrize("status", NOT_ACTIVE)
def test_a_member_the_directory_does_not_call_active_is_skipped_on_every_path_and_never_written(
    emu: Emulator, fc: LocalFunctionCompute, status: str
) -> None:
    account = emu.create_member_account(f"not-active-{status.lower()}", status=status)
    mark = len(emu.calls)

    request = fc.invoke({"accountIds": [account]})
    sweep = fc.invoke({"action": "sweep", "accountIds": [account]})
    no_session_yet = sessions_into(emu, mark)
    event = fc.invoke(sample_event("actiontrail-create-resource-account.json", account, emu.management_account_id))

    for result in (request, sweep, event):
        assert outcome(result, account) == "AccountNotReady"
        assert result["accounts"][0]["directoryStatus"] == status
    # A request and a sweep read the status first; an event may open a session beside the read, never write.
    assert no_session_yet[account] == 0
    assert writes_in(emu, account, mark) == []


@pytest.mark.parametrize("status", ACTIVE)
def test_a_member_in_an_active_status_gets_its_roles(
    emu: Emulator, fc: LocalFunctionCompute, inspector: Inspector, status: str
) -> None:
    account = emu.create_member_account(f"active-{status.lower()}", status=status)

    result = fc.invoke({"action": "sweep", "accountIds": [account]})

    assert outcome(result, account) == "succeeded"
    for name, policy in DEFAULT_ROLES.items():
        assert inspector.policies(account, name) == [(policy, "System")]


@pytest.mark.parametrize("include_management", [False, True], ids=["default", "included-but-not-allowed"])
def test_an_allow_list_never_lets_the_management_account_through(
    emu: Emulator, member: str, include_management: bool
) -> None:
    management = emu.management_account_id
    env = {"EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": f"{management},{member}"}
    if include_management:  # the allow list narrows even a deployment that includes the management account
        env = {"EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": member, "EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": "true"}
    expected = "AccountOutOfScope" if include_management else "ManagementAccountExcluded"
    with LocalFunctionCompute(emu, extra_env=env) as fc:
        mark = len(emu.calls)
        request = fc.invoke({"accountIds": [management, member]})
        sweep = fc.invoke({"action": "sweep", "accountIds": [management, member]})
        timer = fc.invoke({"triggerTime": "t", "triggerName": "daily", "payload": '{"action": "sweep"}'})

    assert outcome(request, management) == outcome(sweep, management) == outcome(timer, management) == expected
    assert outcome(request, member) == "succeeded"
    assert writes_in(emu, management, mark) == []
    assert sessions_into(emu, mark)[management] == 0


def test_allowed_folders_follow_the_directory_tree_on_every_path(emu: Emulator, inspector: Inspector) -> None:
    allowed = emu.create_folder("prod")
    below = emu.create_folder("emr", parent=allowed)
    sibling = emu.create_folder("sandbox")
    in_allowed = emu.create_member_account("in-prod", folder_id=allowed)
    in_below = emu.create_member_account("in-prod-emr", folder_id=below)
    in_sibling = emu.create_member_account("in-sandbox", folder_id=sibling)
    in_root = emu.create_member_account("in-root")
    accounts = [in_allowed, in_below, in_sibling, in_root]
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_ALLOWED_FOLDERS": allowed}) as fc:
        mark = len(emu.calls)
        request = fc.invoke({"accountIds": accounts, "dryRun": True})
        sweep = fc.invoke({"action": "sweep", "accountIds": accounts})
        narrowed = fc.invoke({"action": "sweep", "folderIds": [below, sibling], "dryRun": True})

    for result in (request, sweep):
        assert [outcome(result, a) for a in accounts] == ["succeeded"] * 2 + ["AccountOutOfScope"] * 2
    assert narrowed["sweep"]["selected"] == 2  # in_below and in_sibling; the deployment's folder keeps in_below
    assert outcome(narrowed, in_sibling) == "AccountOutOfScope"
    assert set(sessions_into(emu, mark)) == {in_allowed, in_below}
    for account in (in_allowed, in_below):
        assert inspector.role(account, "AliyunEMRDefaultRole") is not None
    for account in (in_sibling, in_root):
        assert writes_in(emu, account, mark) == []
