"""``--state FILE`` keeps everything across restarts; the CLI prints its ready line and exits 0 on signals."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from functools import partial
from typing import TYPE_CHECKING

from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401 import models as sts_models

from emulator.testing import Emulator, trust_for_service
from tests.emulator import sdk

if TYPE_CHECKING:
    from pathlib import Path

TRUST = trust_for_service("emr.aliyuncs.com")


def test_state_file_keeps_accounts_roles_users_keys_and_tokens_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "cloud.sqlite"
    with Emulator(state_file=state) as first:
        root = first.root_key
        member = first.create_member_account("persisted")
        user_key = first.create_user(first.management_account_id, "keeper", ["AliyunSTSAssumeRoleAccess"])
        sdk.ram(first).create_role(
            ram_models.CreateRoleRequest(role_name="Kept", assume_role_policy_document=TRUST, description="kept")
        )
        sdk.ram(first).attach_policy_to_role(
            ram_models.AttachPolicyToRoleRequest(
                policy_type="System", policy_name="AliyunEMRRolePolicy", role_name="Kept"
            )
        )
        arn = f"acs:ram::{member}:role/ResourceDirectoryAccountAccessRole"
        creds = (
            sdk.sts(first, user_key)
            .assume_role(sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="before-restart"))
            .body.credentials
        )

    with Emulator(state_file=state) as second:
        assert second.root_key == root
        ram = sdk.ram(second)
        assert ram.get_role(ram_models.GetRoleRequest(role_name="Kept")).body.role.description == "kept"
        attached = ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name="Kept")).body
        assert [p.policy_name for p in attached.policies.policy] == ["AliyunEMRRolePolicy"]
        session = sdk.ram(second, (creds.access_key_id, creds.access_key_secret), creds.security_token)
        assert session.get_role(ram_models.GetRoleRequest(role_name="ResourceDirectoryAccountAccessRole")).body.role
        assert sdk.sts(second, user_key).get_caller_identity().body.identity_type == "RAMUser"
        assert member in list(second.state.accounts)


def start_cli(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return process, ready


class _Endpoint:
    """Just enough of an Emulator for tests.emulator.sdk: where it is."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.host = endpoint.removeprefix("http://")


def test_cli_prints_one_ready_line_serves_and_exits_zero_on_sigterm() -> None:
    process, ready = start_cli()
    try:
        assert set(ready) == {"endpoint", "accountId", "accessKeyId", "accessKeySecret"}
        assert ready["endpoint"].startswith("http://127.0.0.1:")
        key = (ready["accessKeyId"], ready["accessKeySecret"])
        identity = sdk.sts(_Endpoint(ready["endpoint"]), key).get_caller_identity().body  # type: ignore[arg-type]
        assert identity.account_id == ready["accountId"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_cli_fault_flags_apply_to_the_named_action_and_sigint_exits_zero(tmp_path: Path) -> None:
    process, ready = start_cli(
        "--fault-action", "CreateRole", "--throttle-rate", "1", "--state", str(tmp_path / "s.sqlite")
    )
    try:
        ram = sdk.ram(_Endpoint(ready["endpoint"]), (ready["accessKeyId"], ready["accessKeySecret"]))  # type: ignore[arg-type]
        request = ram_models.CreateRoleRequest(role_name="x", assume_role_policy_document=TRUST)
        sdk.expect_error(partial(ram.create_role, request), 400, "Throttling.User")
        assert ram.list_roles(ram_models.ListRolesRequest()).body.request_id
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
