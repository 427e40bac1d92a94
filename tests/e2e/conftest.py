"""End-to-end fixtures: a real emulator on loopback, the function's role deployed into it, the handler invoked
in-process the way FC invokes it. The function reaches the emulator only through the official SDK over HTTP."""

from __future__ import annotations

import io
import json
import os
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from emr_bootstrap.adapters.sdk_directory import forget_management_accounts
from emr_bootstrap.shared.logs import LEVEL_VAR, configure_logging
from emr_bootstrap.sweeps import event_sweeps

from emulator.local_fc import LocalFunctionCompute
from emulator.testing import Emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_MEMBER, SAMPLE_MANAGEMENT = "1000000000000002", "1000000000000001"
DEFAULT_ROLES = {
    "AliyunEMRDefaultRole": "AliyunEMRRolePolicy",
    "AliyunECSInstanceForEMRRole": "AliyunECSInstanceForEMRRolePolicy",
}
WRITE_ACTIONS = frozenset({"CreateRole", "UpdateRole", "AttachPolicyToRole", "DeleteRole", "DetachPolicyFromRole"})


@dataclass
class LeakWatch:
    """Everything the function said during the e2e run (its JSON logs at DEBUG, every reply and every
    EventDeliveryFailed message), and every secret and token the emulators issued. No secret may be in the text."""

    logs: io.StringIO = field(default_factory=io.StringIO)
    replies: list[str] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)

    def leaks(self) -> list[str]:
        text = self.logs.getvalue() + "\n".join(self.replies)
        return sorted(secret[:6] + "..." for secret in self.secrets if secret and secret in text)


@pytest.fixture(scope="session", autouse=True)
def leak_watch() -> Iterator[LeakWatch]:
    watch = LeakWatch()
    saved_level = os.environ.get(LEVEL_VAR)
    os.environ[LEVEL_VAR] = "DEBUG"  # every line the function can log, cloud calls included
    configure_logging(stream=watch.logs)
    original = LocalFunctionCompute.invoke

    def recording_invoke(self: LocalFunctionCompute, *args: Any, **kwargs: Any) -> Any:
        try:
            reply = original(self, *args, **kwargs)
        except Exception as exc:
            watch.replies.append(str(exc))
            raise
        watch.replies.append(json.dumps(reply))
        return reply

    LocalFunctionCompute.invoke = recording_invoke  # type: ignore[method-assign]
    yield watch
    LocalFunctionCompute.invoke = original  # type: ignore[method-assign]
    configure_logging(stream=sys.stdout)
    if saved_level is None:
        os.environ.pop(LEVEL_VAR, None)
    else:
        os.environ[LEVEL_VAR] = saved_level
    assert watch.secrets, "no emulator registered its secrets: the scan would prove nothing"
    assert watch.logs.getvalue() and watch.replies, "nothing was captured: the scan would prove nothing"
    assert watch.leaks() == [], "secrets issued by the emulator appear in the function's logs or replies"


@pytest.fixture(autouse=True)
def forget_learned_management_accounts() -> Iterator[None]:
    """Each test starts as a fresh instance: it learns the management account itself (GetResourceDirectory), so
    that no test depends on another having run first."""
    forget_management_accounts()
    yield
    forget_management_accounts()


@pytest.fixture(autouse=True)
def fresh_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs on a fresh FC instance: no event sweep remembered from another test (event_sweeps)."""
    monkeypatch.setattr(event_sweeps, "INSTANCE", event_sweeps.EventSweepGuard())


# What the function must never do, in any account, in any test: it only ever adds.
NEVER = frozenset({"DeleteRole", "DetachPolicyFromRole", "DeletePolicy", "DeletePolicyVersion", "DeleteUser"})


def function_calls_that_remove(emulator: Emulator) -> list[str]:
    """Removals that happened, made by the function: its own role's sessions, or the member sessions it opened.
    (Tests that prove a session may not remove anything make such calls on purpose; those are refused.)"""
    return [
        f"{c.action} in {c.account_id}"
        for c in emulator.calls
        if c.action in NEVER and c.ok and c.caller_arn and ("emr-bootstrap" in c.caller_arn or "lp-" in c.caller_arn)
    ]


@pytest.fixture(scope="module")
def emu(leak_watch: LeakWatch) -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator
        leak_watch.secrets |= emulator.issued_secrets()
        assert function_calls_that_remove(emulator) == [], "the function deleted or detached something"


@pytest.fixture(scope="module")
def fc(emu: Emulator) -> Iterator[LocalFunctionCompute]:
    with LocalFunctionCompute(emu) as function:
        yield function


@pytest.fixture
def member(emu: Emulator) -> str:
    return emu.create_member_account(f"member-{uuid.uuid4().hex[:8]}")


def sample_event(name: str, member: str, management: str) -> bytes:
    text = (EVENTS / name).read_text().replace(SAMPLE_MEMBER, member).replace(SAMPLE_MANAGEMENT, management)
    return text.encode()


@dataclass
class Inspector:
    """Reads a member account through the SDK as an administrator of the management account would."""

    emu: Emulator
    access_key_id: str
    secret: str

    def ram(self, account_id: str) -> RamClient:
        if account_id == self.emu.management_account_id:
            return self._client(self.access_key_id, self.secret, None)
        sts = StsClient(self._config(self.access_key_id, self.secret, None))
        creds = sts.assume_role(
            sts_models.AssumeRoleRequest(
                role_arn=f"acs:ram::{account_id}:role/ResourceDirectoryAccountAccessRole", role_session_name="inspector"
            )
        ).body.credentials
        return self._client(creds.access_key_id, creds.access_key_secret, creds.security_token)

    def _config(self, ak: str, secret: str, token: str | None) -> Config:
        return Config(
            access_key_id=ak, access_key_secret=secret, security_token=token, endpoint=self.emu.host, protocol="http"
        )

    def _client(self, ak: str, secret: str, token: str | None) -> RamClient:
        return RamClient(self._config(ak, secret, token))

    def role(self, account_id: str, role_name: str) -> Any | None:
        try:
            return self.ram(account_id).get_role(ram_models.GetRoleRequest(role_name=role_name)).body.role
        except ClientException as exc:
            if exc.code == "EntityNotExist.Role":
                return None
            raise

    def policies(self, account_id: str, role_name: str) -> list[tuple[str, str]]:
        body = (
            self.ram(account_id).list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=role_name)).body
        )
        return [(p.policy_name, p.policy_type) for p in body.policies.policy]

    def trust_services(self, account_id: str, role_name: str) -> list[str]:
        role = self.role(account_id, role_name)
        assert role is not None
        document = json.loads(role.assume_role_policy_document)
        return sorted(s for st in document["Statement"] for s in _as_list(st["Principal"].get("Service", [])))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def inspector(emu: Emulator) -> Inspector:
    ak, secret = emu.create_user(emu.management_account_id, "inspector", policies=["AdministratorAccess"])
    return Inspector(emu, ak, secret)


def writes_in(emu: Emulator, account_id: str, since: int) -> list[Any]:
    """Write calls (successful or not) against one account since a point in the call log."""
    return [c for c in emu.calls[since:] if c.account_id == account_id and c.action in WRITE_ACTIONS]


def roles_by_name(result: dict[str, Any], account_id: str) -> dict[str, dict[str, Any]]:
    (account,) = [a for a in result["accounts"] if a["accountId"] == account_id]
    return {role["roleName"]: role for role in account["roles"]}
