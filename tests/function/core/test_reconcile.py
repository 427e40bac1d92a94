"""Scenarios for reconcile/bootstrap against the in-memory RAM fake (tests/function/fakes.py)."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.adapters.settings import Settings, SettingsError
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.cloud import NO_PERMISSION, CloudError
from emr_bootstrap.core.request import BootstrapRequest, parse_request
from emr_bootstrap.shared.timing import ReconcileSettings

from tests.function.fakes import FakeClock, FakeConnector, FakeRam, bootstrap, fast_settings, reconcile_account

if TYPE_CHECKING:
    from emr_bootstrap.core.result import Result, RoleResult

ACCOUNT = "1234567890123456"
OTHER = "6543210987654321"
CATALOG = load_catalog()
DEFAULT_ROLES = ["AliyunEMRDefaultRole", "AliyunECSInstanceForEMRRole"]
ALL_ROLES = list(CATALOG.names)


def run(payload: dict[str, object], connector: FakeConnector, settings: ReconcileSettings | None = None) -> Result:
    return bootstrap(parse_request(payload), connector, request_id="req-1", settings=settings or fast_settings())


def roles_of(result: Result, account_id: str = ACCOUNT) -> dict[str, RoleResult]:
    account = next(a for a in result.accounts if a.account_id == account_id)
    return {role.role_name: role for role in account.roles}


def outcomes(result: Result, account_id: str = ACCOUNT) -> dict[str, str]:
    return {name: role.outcome for name, role in roles_of(result, account_id).items()}


def done_account(names: list[str] = ALL_ROLES) -> FakeRam:
    ram = FakeRam(ACCOUNT)
    for name in names:
        spec = CATALOG.get(name)
        assert spec is not None
        ram.seed_role(name, spec.trust_policy, [(spec.policy_name, "System")])
    return ram


@pytest.mark.parametrize("strategy", ["create-first", "read-first"])
def test_fresh_account_creates_every_role_with_one_create_and_one_attach_each(strategy: str) -> None:
    connector = FakeConnector()
    result = run({"accountIds": [ACCOUNT], "strategy": strategy, "roles": ALL_ROLES}, connector)
    ram = connector.accounts[ACCOUNT]

    assert result.status == "succeeded"
    assert outcomes(result) == dict.fromkeys(ALL_ROLES, "created")
    for name in ALL_ROLES:
        spec = CATALOG.get(name)
        assert spec is not None
        assert ram.calls_by_role[("CreateRole", name)] == 1
        assert ram.policies(name) == [type(ram.policies(name)[0])(spec.policy_name, "System")]
        assert json.loads(ram.role(name).trust_policy) == json.loads(spec.trust_policy)  # type: ignore[union-attr]
        assert roles_of(result)[name].changes[0].action == "CreateRole"
    assert ram.calls["CreateRole"] == ram.calls["AttachPolicyToRole"] == len(ALL_ROLES)


def test_fresh_account_create_first_takes_create_attach_and_one_verifying_read_per_role() -> None:
    # Critical path: AssumeRole, CreateRole, AttachPolicyToRole, then ListPoliciesForRole alone (it shows the role
    # exists and the policy is attached; CreateRole's own answer carried the trust).
    connector = FakeConnector()
    run({"accountIds": [ACCOUNT], "strategy": "create-first"}, connector)
    ram = connector.accounts[ACCOUNT]
    assert connector.opened == [(ACCOUNT, DEFAULT_ROLES)]
    for name in DEFAULT_ROLES:
        assert [ram.calls_by_role[(a, name)] for a in ("CreateRole", "AttachPolicyToRole")] == [1, 1]
        assert [ram.calls_by_role[(a, name)] for a in ("GetRole", "ListPoliciesForRole")] == [0, 1]


def test_roles_of_one_account_are_handled_concurrently() -> None:
    # Every CreateRole waits at a barrier that only opens when all roles are in flight at once: a per-role
    # serial chain would never get there (the barrier times out and breaks).
    barrier = threading.Barrier(len(ALL_ROLES), timeout=5)

    class BarrierRam(FakeRam):
        def create_role(self, role_name: str, trust_policy: str, description: str):
            barrier.wait()
            return super().create_role(role_name, trust_policy, description)

    connector = FakeConnector({ACCOUNT: BarrierRam(ACCOUNT)})
    result = run({"accountIds": [ACCOUNT], "strategy": "create-first", "roles": ALL_ROLES}, connector)
    assert outcomes(result) == dict.fromkeys(ALL_ROLES, "created")


def test_repeat_read_first_run_reports_unchanged_and_makes_no_write_call() -> None:
    ram = done_account()
    connector = FakeConnector({ACCOUNT: ram})
    result = run({"accountIds": [ACCOUNT], "roles": ALL_ROLES}, connector)
    assert outcomes(result) == dict.fromkeys(ALL_ROLES, "unchanged")
    assert ram.write_calls == 0
    assert all(not role.changes for role in roles_of(result).values())


def test_repeat_create_first_run_reports_unchanged_after_entity_already_exists() -> None:
    ram = done_account()
    connector = FakeConnector({ACCOUNT: ram})
    result = run({"accountIds": [ACCOUNT], "roles": ALL_ROLES, "strategy": "create-first"}, connector)
    assert outcomes(result) == dict.fromkeys(ALL_ROLES, "unchanged")
    assert ram.calls["AttachPolicyToRole"] == ram.calls["UpdateRole"] == 0
    assert ram.calls["CreateRole"] == len(ALL_ROLES)  # each answered EntityAlreadyExists.Role


def test_dry_run_plans_the_missing_writes_and_makes_none() -> None:
    ram = done_account(["AliyunEMRDefaultRole"])
    spec = CATALOG.get("AliyunECSInstanceForEMRRole")
    assert spec is not None
    connector = FakeConnector({ACCOUNT: ram})
    result = run({"accountIds": [ACCOUNT], "dryRun": True, "strategy": "create-first"}, connector)

    assert result.dry_run is True
    assert outcomes(result) == {"AliyunEMRDefaultRole": "unchanged", "AliyunECSInstanceForEMRRole": "planned"}
    planned = roles_of(result)["AliyunECSInstanceForEMRRole"]
    assert [c.to_dict() for c in planned.changes] == [
        {"action": "CreateRole"},
        {"action": "AttachPolicyToRole", "policyName": spec.policy_name},
    ]
    assert ram.write_calls == 0


def test_dry_run_of_a_role_missing_only_its_policy_plans_just_the_attach() -> None:
    ram = FakeRam(ACCOUNT)
    spec = CATALOG.get("AliyunEMRDefaultRole")
    assert spec is not None
    ram.seed_role(spec.name, spec.trust_policy)
    result = run({"accountIds": [ACCOUNT], "dryRun": True, "roles": [spec.name]}, FakeConnector({ACCOUNT: ram}))
    role = roles_of(result)[spec.name]
    assert (role.outcome, [c.action for c in role.changes]) == ("planned", ["AttachPolicyToRole"])
    assert ram.write_calls == 0


def _drifted_account() -> tuple[FakeRam, str]:
    ram = FakeRam(ACCOUNT)
    spec = CATALOG.get("AliyunEMRDefaultRole")
    assert spec is not None
    widened = {
        "Version": "1",
        "Statement": [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["emr.aliyuncs.com"]}},
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": ["acs:ram::1111111111111111:root"]}},
        ],
    }
    ram.seed_role(spec.name, json.dumps(widened))  # and no policy attached
    return ram, spec.name


def test_drifted_trust_is_reported_and_the_role_left_untouched() -> None:
    ram, name = _drifted_account()
    before = ram.role(name)
    result = run({"accountIds": [ACCOUNT], "roles": [name]}, FakeConnector({ACCOUNT: ram}))
    role = roles_of(result)[name]

    assert role.outcome == "drifted"
    assert role.drift is not None and role.drift.widened
    assert "acs:ram::1111111111111111:root" in role.drift.difference
    assert ram.write_calls == 0  # not even the missing attach
    assert ram.role(name) == before
    assert result.status == "succeeded"


def _account_with_trust(statements: list[dict[str, object]]) -> tuple[FakeRam, str]:
    ram = FakeRam(ACCOUNT)
    ram.seed_role("AliyunEMRDefaultRole", json.dumps({"Version": "1", "Statement": statements}))  # no policy
    return ram, "AliyunEMRDefaultRole"


EMR_ALLOW = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["emr.aliyuncs.com"]}}


def test_drift_repair_restores_a_trust_that_no_longer_lets_the_catalog_service_in() -> None:
    ram, name = _account_with_trust([{**EMR_ALLOW, "Principal": {"Service": ["ecs.aliyuncs.com"]}}])
    ram.stale_trust_reads = 2  # reads lag the update: verification must poll, not trust the first read
    result = run({"accountIds": [ACCOUNT], "roles": [name], "drift": "repair"}, FakeConnector({ACCOUNT: ram}))
    role = roles_of(result)[name]
    spec = CATALOG.get(name)
    assert spec is not None

    assert role.outcome == "updated"
    assert [c.action for c in role.changes] == ["UpdateRole", "AttachPolicyToRole"]
    assert ram.calls["UpdateRole"] == 1 and ram.calls["CreateRole"] == 0
    assert ram.role(name).trust_policy == spec.trust_policy  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("statements", "widened"),
    [
        # The catalog's trust narrowed by a Condition: repair must not remove it.
        ([{**EMR_ALLOW, "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}}], False),
        # The catalog's trust plus an extra Deny: narrower still.
        ([EMR_ALLOW, {"Action": "sts:AssumeRole", "Effect": "Deny", "Principal": {"RAM": ["acs:ram::1:root"]}}], False),
        # The catalog's trust plus another account: widened, reported as such, and still not rewritten.
        ([EMR_ALLOW, {**EMR_ALLOW, "Principal": {"RAM": ["acs:ram::1111111111111111:root"]}}], True),
    ],
)
def test_drift_repair_leaves_a_trust_that_still_lets_the_catalog_service_in_alone(
    statements: list[dict[str, object]], widened: bool
) -> None:
    ram, name = _account_with_trust(statements)
    before = ram.role(name)

    result = run({"accountIds": [ACCOUNT], "roles": [name], "drift": "repair"}, FakeConnector({ACCOUNT: ram}))

    role = roles_of(result)[name]
    assert role.outcome == "drifted" and role.changes == ()
    assert role.drift is not None and role.drift.widened is widened
    assert ram.write_calls == 0 and ram.role(name) == before


def test_extra_attached_policy_is_reported_and_never_detached() -> None:
    ram = FakeRam(ACCOUNT)
    spec = CATALOG.get("AliyunEMRDefaultRole")
    assert spec is not None
    ram.seed_role(spec.name, spec.trust_policy, [("AdministratorAccess", "System"), ("my-extra", "Custom")])
    result = run({"accountIds": [ACCOUNT], "roles": [spec.name]}, FakeConnector({ACCOUNT: ram}))
    role = roles_of(result)[spec.name]

    assert role.outcome == "updated"  # the catalog policy was missing and is now attached
    assert role.extra_policies == ("AdministratorAccess", "my-extra")
    assert [p.name for p in ram.policies(spec.name)] == ["AdministratorAccess", "my-extra", spec.policy_name]
    assert role.to_dict()["extraPolicies"] == ["AdministratorAccess", "my-extra"]


def test_entity_not_exist_role_right_after_create_is_retried_not_failed() -> None:
    ram = FakeRam(ACCOUNT)
    ram.attach_not_found = 2
    ram.invisible_reads = 2
    clock = FakeClock()
    result = run(
        {"accountIds": [ACCOUNT], "strategy": "create-first"}, FakeConnector({ACCOUNT: ram}), fast_settings(clock)
    )
    assert outcomes(result) == dict.fromkeys(DEFAULT_ROLES, "created")
    for name in DEFAULT_ROLES:
        assert ram.calls_by_role[("AttachPolicyToRole", name)] == 3
        assert ram.calls_by_role[("CreateRole", name)] == 1
    # Waits grow from the initial interval: no fixed sleep.
    assert clock.sleeps and clock.sleeps[0] == pytest.approx(0.1)
    assert max(clock.sleeps) > min(clock.sleeps)


def test_write_that_never_becomes_visible_is_reported_as_propagation_timeout() -> None:
    ram = FakeRam(ACCOUNT)
    ram.invisible_reads = 10_000
    result = run(
        {"accountIds": [ACCOUNT], "roles": ["AliyunEMRDefaultRole"], "strategy": "create-first"},
        FakeConnector({ACCOUNT: ram}),
        fast_settings(propagation_timeout_s=3.0),
    )
    role = roles_of(result)["AliyunEMRDefaultRole"]
    assert role.outcome == "failed"
    assert role.error is not None and role.error.code == "PropagationTimeout"
    assert role.error.hint and "re-run" in role.error.hint
    assert [c.action for c in role.changes] == ["CreateRole", "AttachPolicyToRole"]  # what did happen
    assert result.status == "failed"


def test_no_permission_on_create_fails_that_role_only_and_fails_the_account() -> None:
    ram = FakeRam(ACCOUNT)
    ram.fail[("CreateRole", "AliyunEMRDefaultRole")] = CloudError(
        NO_PERMISSION, "You are not authorized to do this action.", status=403, request_id="REQ-403"
    )
    result = run({"accountIds": [ACCOUNT]}, FakeConnector({ACCOUNT: ram}))
    roles = roles_of(result)

    assert roles["AliyunEMRDefaultRole"].outcome == "failed"
    error = roles["AliyunEMRDefaultRole"].error
    assert error is not None
    assert (error.code, error.request_id) == (NO_PERMISSION, "REQ-403")
    assert error.hint and "ram:CreateRole" in error.hint
    assert roles["AliyunECSInstanceForEMRRole"].outcome == "created"
    assert result.accounts[0].status == "failed"
    assert result.status == "failed"


def test_missing_system_policy_fails_the_role_with_the_cloud_code_and_a_hint() -> None:
    ram = FakeRam(ACCOUNT)
    ram.missing_policies = {"AliyunEMRRolePolicy"}
    result = run({"accountIds": [ACCOUNT], "roles": ["AliyunEMRDefaultRole"]}, FakeConnector({ACCOUNT: ram}))
    role = roles_of(result)["AliyunEMRDefaultRole"]
    assert role.error is not None and role.error.code == "EntityNotExist.Policy"
    assert role.error.hint and "site" in role.error.hint
    assert [c.action for c in role.changes] == ["CreateRole"]


def test_custom_ecs_role_replaces_the_ecs_application_role_which_is_skipped_with_a_reason() -> None:
    connector = FakeConnector()
    result = run({"accountIds": [ACCOUNT], "customEcsRole": "MyEmrEcsRole"}, connector)
    roles = roles_of(result)
    ram = connector.accounts[ACCOUNT]

    assert outcomes(result) == {"AliyunEMRDefaultRole": "created", "AliyunECSInstanceForEMRRole": "skipped"}
    assert "MyEmrEcsRole" in (roles["AliyunECSInstanceForEMRRole"].reason or "")
    assert ram.role("AliyunECSInstanceForEMRRole") is None and ram.role("MyEmrEcsRole") is None
    assert connector.opened == [(ACCOUNT, ["AliyunEMRDefaultRole"])]  # session scoped to what is touched
    assert result.status == "succeeded"


def test_explicit_role_list_is_honoured_and_nothing_else_is_touched() -> None:
    connector = FakeConnector()
    result = run({"accountIds": [ACCOUNT], "roles": ["AliyunEMRManagedCostRole"], "emrVersion": "3.1.0"}, connector)
    assert outcomes(result) == {"AliyunEMRManagedCostRole": "created"}
    assert connector.accounts[ACCOUNT].role_names == ["AliyunEMRManagedCostRole"]


def test_legacy_version_and_features_select_their_roles() -> None:
    connector = FakeConnector()
    result = run(
        {"accountIds": [ACCOUNT], "emrVersion": "EMR-3.32.0", "features": ["studio", "costAnalysis"]}, connector
    )
    assert list(outcomes(result)) == [
        "AliyunEMRDefaultRole",
        "AliyunEmrEcsDefaultRole",
        "AliyunEMRManagedCostRole",
        "AliyunECSInstanceForEMRStudioRole",
    ]


def test_a_role_outside_the_request_is_never_touched_even_when_drifted() -> None:
    ram = FakeRam(ACCOUNT)
    ram.seed_role("AliyunEmrEcsDefaultRole", '{"Version":"1","Statement":[]}')
    result = run({"accountIds": [ACCOUNT], "drift": "repair"}, FakeConnector({ACCOUNT: ram}))
    assert "AliyunEmrEcsDefaultRole" not in outcomes(result)
    assert ram.calls_by_role[("UpdateRole", "AliyunEmrEcsDefaultRole")] == 0
    assert all(name != "AliyunEmrEcsDefaultRole" for _, name in ram.calls_by_role)


def test_unreachable_account_is_failed_with_access_role_missing_and_others_still_succeed() -> None:
    connector = FakeConnector()
    connector.unreachable[OTHER] = CloudError(
        "EntityNotExist.Role", "The specified Role not exists .", status=404, request_id="STS-1"
    )
    result = run({"accountIds": [ACCOUNT, OTHER]}, connector)
    failed = next(a for a in result.accounts if a.account_id == OTHER)

    assert result.status == "partial"
    assert [a.account_id for a in result.accounts] == [ACCOUNT, OTHER]  # request order
    assert failed.status == "failed" and failed.roles == ()
    assert failed.error is not None and failed.error.code == "AccessRoleMissing"
    assert failed.error.hint and "EMR_BOOTSTRAP_MEMBER_ROLE" in failed.error.hint
    assert failed.error.request_id == "STS-1"
    summary = result.to_dict()["summary"]
    assert summary["accountStatus"] == {"succeeded": 1, "failed": 1, "skipped": 0, "not-attempted": 0}


def test_sdk_adapters_access_role_missing_code_keeps_its_hint() -> None:
    connector = FakeConnector()
    connector.unreachable[ACCOUNT] = CloudError("AccessRoleMissing", "account has no role to assume")
    result = run({"accountIds": [ACCOUNT]}, connector)
    error = result.accounts[0].error
    assert error is not None and error.code == "AccessRoleMissing" and error.hint


def test_an_unexpected_bug_in_one_role_is_reported_as_internal_error_without_its_text() -> None:
    ram = FakeRam(ACCOUNT)
    ram.fail[("GetRole", "AliyunEMRDefaultRole")] = RuntimeError("SecurityToken=abc")  # type: ignore[assignment]
    result = run({"accountIds": [ACCOUNT], "dryRun": True}, FakeConnector({ACCOUNT: ram}))
    role = roles_of(result)["AliyunEMRDefaultRole"]
    assert role.error is not None and role.error.code == "InternalError"
    assert "abc" not in json.dumps(result.to_dict())
    assert roles_of(result)["AliyunECSInstanceForEMRRole"].outcome == "planned"


def test_reconcile_account_with_every_role_replaced_is_skipped() -> None:
    narrowed = BootstrapRequest(account_ids=(ACCOUNT,), roles=("AliyunECSInstanceForEMRRole",), custom_ecs_role="Mine")
    connector = FakeConnector()
    account = reconcile_account(ACCOUNT, narrowed, connector, settings=fast_settings(), strategy="read-first")
    assert account.status == "skipped" and connector.opened == []
    assert [role.outcome for role in account.roles] == ["skipped"]


def test_settings_from_env_reads_concurrency_and_deadline() -> None:
    settings = Settings.from_env(
        {"EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS": "4", "EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "7.5"}
    ).reconcile
    assert (settings.max_concurrent_accounts, settings.propagation_timeout_s) == (4, 7.5)
    assert Settings.from_env({}).reconcile == ReconcileSettings()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS": "0"}, "EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS"),
        ({"EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS": "four"}, "EMR_BOOTSTRAP_MAX_CONCURRENT_ACCOUNTS"),
        ({"EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "0"}, "EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S"),
        ({"EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "-5"}, "EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S"),
        ({"EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S": "nan"}, "EMR_BOOTSTRAP_PROPAGATION_TIMEOUT_S"),
    ],
)
def test_settings_from_env_rejects_unusable_values_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(env)
