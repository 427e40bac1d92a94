"""``doctor``'s checks: read-only calls (STS, Resource Manager, RAM, FC 3.0) compared with what a deployment should
be (:mod:`emr_bootstrap_cli.deployment`). Each check gives pass, fail (with a one-line hint) or skip (a check it
depends on failed). Nothing here writes: the only sessions it opens in members carry a read-only session policy."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.shared.errors import CloudError

from emr_bootstrap_cli import deployment, fc_client, policy_compare
from emr_bootstrap_cli.fc_client import translated
from emr_bootstrap_cli.render import one_line

if TYPE_CHECKING:
    from collections.abc import Callable

    from emr_bootstrap.adapters.settings import Settings

    from emr_bootstrap_cli.deployment import FunctionSpec
    from emr_bootstrap_cli.target import Target

PASS, FAIL, SKIP = "pass", "fail", "skip"
# The member session doctor opens: reads only, whatever the access role may do (AssumeRole's Policy narrows).
READ_ONLY_SESSION: Final = json.dumps(
    {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": ["ram:GetRole", "ram:ListPoliciesForRole"], "Resource": "*"}],
    }
)
SESSION_NAME: Final = "emr-bootstrap.doctor"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _error(exc: CloudError) -> str:
    return f"{exc.code}: {one_line(exc.message, 160)}"


class Doctor:
    """Runs the checks in order against one target; later checks skip when what they need is missing."""

    def __init__(self, target: Target, settings: Settings, fc_endpoint: Callable[[], Any]) -> None:
        self.target = target
        self.settings = settings
        from emr_bootstrap.adapters.sdk_common import credential_client

        self.credential = credential_client(target.credentials)
        self._fc_endpoint = fc_endpoint
        self.account_id: str | None = None
        self.is_management = False
        self.members: list[str] = []

    def _config(self, endpoint: Any) -> Any:
        from emr_bootstrap.adapters.sdk_common import openapi_config

        return openapi_config(self.settings, endpoint, self.credential)

    # --- identity and directory ---------------------------------------------------------------------------------
    def credentials(self) -> Check:
        from alibabacloud_sts20150401.client import Client as StsClient

        try:
            body = translated(StsClient(self._config(self.settings.sts)).get_caller_identity)().body
        except CloudError as exc:
            return Check("credentials", FAIL, _error(exc), "Check the access key (--profile, ALIBABA_CLOUD_*).")
        self.account_id = str(body.account_id)
        return Check("credentials", PASS, f"{body.arn} (account {self.account_id}, {body.identity_type})")

    def directory(self) -> Check:
        if self.account_id is None:
            return Check("resource-directory", SKIP, "no caller identity")
        from alibabacloud_resourcemanager20200331.client import Client as RmClient

        rm = RmClient(self._config(self.settings.resourcemanager))
        try:
            directory = translated(rm.get_resource_directory)().body.resource_directory
        except CloudError as exc:
            hint = (
                "Enable Resource Directory in the management account, and run doctor with its credentials."
                if exc.code == "ResourceDirectoryNotInUse"
                else "The caller needs resourcemanager:GetResourceDirectory."
            )
            return Check("resource-directory", FAIL, _error(exc), hint)
        master = str(directory.master_account_id)
        if master != self.account_id:
            return Check(
                "resource-directory",
                FAIL,
                f"account {self.account_id} is a member of {directory.resource_directory_id}, whose management "
                f"account is {master}",
                f"Run doctor (and deploy the functions) with credentials of the management account {master}.",
            )
        self.is_management = True
        try:
            self.members = self._active_members(rm)
        except CloudError as exc:
            return Check(
                "resource-directory", FAIL, f"ListAccounts: {_error(exc)}", "Grant resourcemanager:ListAccounts."
            )
        return Check(
            "resource-directory",
            PASS,
            f"{directory.resource_directory_id}: this is its management account ({len(self.members)} active members)",
        )

    def _active_members(self, rm: Any) -> list[str]:
        from alibabacloud_resourcemanager20200331 import models as rm_models

        found: list[str] = []
        page = 1
        while True:
            request = rm_models.ListAccountsRequest(page_number=page, page_size=100)
            body = translated(lambda request=request: rm.list_accounts(request))().body  # type: ignore[misc]
            accounts = body.accounts.account if body.accounts and body.accounts.account else []
            found += [
                str(a.account_id)
                for a in accounts
                if a.status == "CreateSuccess" and str(a.account_id) != self.account_id
            ]
            if not accounts or page * 100 >= int(body.total_count or 0):
                return found
            page += 1

    def member_access(self, sample: int) -> Check:
        name = "member-access-role"
        if not self.is_management:
            return Check(name, SKIP, "not a Resource Directory management account")
        chosen = self.members[:sample]
        if not chosen:
            return Check(name, SKIP, "the directory has no active member")
        from alibabacloud_sts20150401 import models as sts_models
        from alibabacloud_sts20150401.client import Client as StsClient

        sts = StsClient(self._config(self.settings.sts))
        refused = []
        for account_id in chosen:
            arn = f"acs:ram::{account_id}:role/{self.settings.member_role}"
            request = sts_models.AssumeRoleRequest(
                role_arn=arn, role_session_name=SESSION_NAME, duration_seconds=900, policy=READ_ONLY_SESSION
            )
            try:
                translated(lambda request=request: sts.assume_role(request))()  # type: ignore[misc]
            except CloudError as exc:
                refused.append(f"{account_id} ({exc.code})")
        role = self.settings.member_role
        if refused:
            return Check(
                name,
                FAIL,
                f"{role} cannot be assumed in {len(refused)} of {len(chosen)} sampled members: {', '.join(refused)}",
                f"Recreate {role} in those members (trusting the management account), or set "
                "EMR_BOOTSTRAP_MEMBER_ROLE to the role you use.",
            )
        return Check(name, PASS, f"{role} assumed (read-only session) in {len(chosen)} of {len(self.members)} members")

    # --- the functions --------------------------------------------------------------------------------------------
    def function(self, spec: FunctionSpec) -> Check:
        name = f"function {spec.name}"
        if self.account_id is None:
            return Check(name, SKIP, "no caller identity")
        spec = spec.in_account(self.account_id)
        fc = fc_client.client(self.target, self._fc_endpoint())
        try:
            found = fc_client.get_function(fc, spec.name)
            problems = _config_problems(spec, found)
            problems += _timer_problems(spec, fc_client.list_triggers(fc, spec.name))
            problems += _async_problems(spec, fc_client.get_async_invoke_config(fc, spec.name))
        except CloudError as exc:
            hint = "Deploy it: make package && s deploy (README, Deploy)."
            if exc.code not in ("FunctionNotFound",):
                hint = "The caller needs fc:GetFunction, fc:ListTriggers, fc:GetAsyncInvokeConfig; check --region."
            return Check(name, FAIL, _error(exc), hint)
        if problems:
            return Check(name, FAIL, "; ".join(problems), "Redeploy from s.yaml: s deploy (README, Deploy).")
        timers = f", timers {', '.join(t.name for t in spec.timers)}" if spec.timers else ""
        retries = (
            f", async retries {spec.max_async_retry_attempts}" if spec.max_async_retry_attempts is not None else ""
        )
        return Check(name, PASS, f"{spec.handler} on {spec.runtime}, timeout {spec.timeout}s{timers}{retries}")

    def role_policies(self, spec: FunctionSpec) -> Check:
        name = f"role {spec.role_name}"
        if self.account_id is None:
            return Check(name, SKIP, "no caller identity")
        shipped = deployment.shipped_policy(spec.policy_file)
        trust = deployment.shipped_policy("function-trust-policy.json")
        if shipped is None or trust is None:
            return Check(name, SKIP, "deploy/policies is not here (run doctor from a source checkout)")
        try:
            role, attached = self._role_documents(spec.role_name)
        except CloudError as exc:
            hint = f"Create the role: deploy/policies/README.md ({spec.role_name})."
            if not exc.code.startswith("EntityNotExist"):
                hint = "The caller needs ram:GetRole, ram:ListPoliciesForRole and ram:GetPolicy."
            return Check(name, FAIL, _error(exc), hint)
        management = deployment.shipped_policy("function-management-account-policy.json") or {}
        problems = policy_compare.trust_problems(trust, role)
        problems += policy_compare.permission_problems(shipped, management, attached)
        if problems:
            return Check(
                name,
                FAIL,
                "; ".join(problems),
                f"Make its policies equal deploy/policies/{spec.policy_file} (and the trust policy "
                "function-trust-policy.json): deploy/policies/README.md.",
            )
        return Check(name, PASS, f"trust and policies match deploy/policies ({', '.join(sorted(attached)) or '-'})")

    def _role_documents(self, role_name: str) -> tuple[str, dict[str, Any]]:
        """The role's trust policy, and its custom policies' default documents by name."""
        from alibabacloud_ram20150501 import models as ram_models
        from alibabacloud_ram20150501.client import Client as RamClient

        ram = RamClient(self._config(self.settings.ram))
        role = translated(lambda: ram.get_role(ram_models.GetRoleRequest(role_name=role_name)))().body.role
        listed = translated(
            lambda: ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=role_name))
        )().body
        attached: dict[str, Any] = {}
        for policy in listed.policies.policy if listed.policies and listed.policies.policy else []:
            if policy.policy_type != "Custom":
                attached[f"{policy.policy_name} (System)"] = None
                continue
            request = ram_models.GetPolicyRequest(policy_type="Custom", policy_name=policy.policy_name)
            body = translated(lambda request=request: ram.get_policy(request))().body  # type: ignore[misc]
            document = body.default_policy_version.policy_document if body.default_policy_version else None
            attached[str(policy.policy_name)] = json.loads(document or body.policy.policy_document or "{}")
        return str(role.assume_role_policy_document or "{}"), attached


def _config_problems(spec: FunctionSpec, found: dict[str, Any]) -> list[str]:
    wanted = {"handler": spec.handler, "runtime": spec.runtime, "timeout": spec.timeout}
    problems = [
        f"{key} is {found.get(key)!r}, expected {value!r}" for key, value in wanted.items() if found.get(key) != value
    ]
    role = str(found.get("role") or "")
    if role.rsplit("/", 1)[-1].lower() != spec.role_name.lower():
        problems.append(f"role is {role or 'none'!r}, expected {spec.role!r}")
    return problems


def _timer_problems(spec: FunctionSpec, triggers: list[dict[str, Any]]) -> list[str]:
    by_name = {t.get("triggerName"): t for t in triggers}
    problems = []
    for timer in spec.timers:
        trigger = by_name.get(timer.name)
        if trigger is None or trigger.get("triggerType") != "timer":
            problems.append(f"no timer trigger {timer.name}")
            continue
        config = trigger.get("triggerConfig") or {}
        if config.get("cronExpression") != timer.cron:
            problems.append(f"timer {timer.name} runs {config.get('cronExpression')!r}, expected {timer.cron!r}")
        if config.get("enable") is not True:
            problems.append(f"timer {timer.name} is disabled")
        if policy_compare.json_or_text(config.get("payload")) != policy_compare.json_or_text(timer.payload):
            problems.append(f"timer {timer.name} sends {config.get('payload')!r}, expected {timer.payload!r}")
    return problems


def _async_problems(spec: FunctionSpec, config: dict[str, Any] | None) -> list[str]:
    if spec.max_async_retry_attempts is None:
        return []
    if config is None:
        return ["no asynchronous invocation config (retries, failure destination)"]
    problems = []
    if config.get("maxAsyncRetryAttempts") != spec.max_async_retry_attempts:
        got = config.get("maxAsyncRetryAttempts")
        problems.append(f"async retries {got!r}, expected {spec.max_async_retry_attempts}")
    destination = ((config.get("destinationConfig") or {}).get("onFailure") or {}).get("destination")
    if spec.on_failure and destination != spec.on_failure:
        problems.append(f"async failure destination {destination!r}, expected {spec.on_failure!r}")
    return problems
