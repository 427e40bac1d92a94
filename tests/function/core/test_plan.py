"""Pure planning: role selection and per-role steps (never a delete or detach)."""

from __future__ import annotations

import json
from dataclasses import replace

from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.cloud import AttachedPolicy, RoleState
from emr_bootstrap.core.plan import Observed, Step, desired_roles, plan_role
from emr_bootstrap.core.request import parse_request

from tests.function.fakes import FakeConnector, FakeRam, bootstrap

CATALOG = load_catalog()
SPEC = CATALOG.require("AliyunEMRDefaultRole")
OTHER_TRUST = json.dumps(
    {
        "Version": "1",
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ecs.aliyuncs.com"}}],
    }
)


def role(trust: str = SPEC.trust_policy) -> RoleState:
    return RoleState(SPEC.name, "acs:ram::1:role/aliyunemrdefaultrole", trust, "")


def names(payload: dict[str, object]) -> list[str]:
    return [d.spec.name for d in desired_roles(CATALOG, parse_request({"accountIds": ["1234567890"], **payload}))]


def test_default_selection_is_the_service_role_and_the_current_ecs_role() -> None:
    assert names({}) == ["AliyunEMRDefaultRole", "AliyunECSInstanceForEMRRole"]
    assert names({"emrVersion": "4.5.0"}) == ["AliyunEMRDefaultRole", "AliyunEmrEcsDefaultRole"]
    assert names({"features": ["costAnalysis"]})[-1] == "AliyunEMRManagedCostRole"
    assert names({"roles": ["AliyunECSInstanceForEMRStudioRole", "AliyunEMRDefaultRole"]}) == [
        "AliyunECSInstanceForEMRStudioRole",
        "AliyunEMRDefaultRole",
    ]


def test_absent_role_plans_create_and_attach() -> None:
    plan = plan_role(SPEC, Observed(None), "report")
    assert plan.steps == (Step.CREATE, Step.ATTACH)
    assert [c.action for c in plan.changes(SPEC)] == ["CreateRole", "AttachPolicyToRole"]


def test_complete_role_plans_nothing_and_notes_extras() -> None:
    policies = (AttachedPolicy("aliyunemrrolepolicy", "System"), AttachedPolicy("Extra", "Custom"))
    plan = plan_role(SPEC, Observed(role(), policies), "repair")
    assert (plan.steps, plan.idle_outcome, plan.extra_policies) == ((), "unchanged", ("Extra",))


def test_a_custom_policy_with_the_system_policys_name_does_not_count() -> None:
    plan = plan_role(SPEC, Observed(role(), (AttachedPolicy(SPEC.policy_name, "Custom"),)), "report")
    assert plan.steps == (Step.ATTACH,)


def test_drift_is_left_alone_under_report_and_repaired_under_repair() -> None:
    reported = plan_role(SPEC, Observed(role(OTHER_TRUST)), "report")
    assert (reported.steps, reported.idle_outcome) == ((), "drifted")
    assert reported.drift is not None and reported.drift.widened
    repaired = plan_role(SPEC, Observed(role(OTHER_TRUST)), "repair")
    assert repaired.steps == (Step.UPDATE_TRUST, Step.ATTACH)


def test_repair_is_refused_for_a_drifted_role_with_any_policy_beyond_the_catalogs() -> None:
    policies = (AttachedPolicy("AliyunEMRRolePolicy", "System"), AttachedPolicy("AdministratorAccess", "System"))
    plan = plan_role(SPEC, Observed(role(OTHER_TRUST), policies), "repair")
    assert (plan.steps, plan.idle_outcome, plan.extra_policies) == ((), "drifted", ("AdministratorAccess",))
    assert plan.refusal is not None and plan.refusal.code == "ExtraPoliciesAttached"
    assert "AdministratorAccess (System)" in plan.refusal.message and "emr.aliyuncs.com" in plan.refusal.message


def test_a_refused_repair_names_every_extra_policy_and_every_service_the_restored_trust_would_let_in() -> None:
    # A catalog role trusted by two services (none ships today; the catalog is data).
    two_services = json.loads(SPEC.trust_policy)
    two_services["Statement"][0]["Principal"]["Service"] = ["emr.aliyuncs.com", "ecs.aliyuncs.com"]
    spec = replace(SPEC, trust_policy=json.dumps(two_services))
    policies = (AttachedPolicy("AdministratorAccess", "System"), AttachedPolicy("MyPolicy", "Custom"))

    plan = plan_role(spec, Observed(role(OTHER_TRUST.replace("ecs.", "oss.")), policies), "repair")

    assert plan.refusal is not None
    assert plan.refusal.message.endswith(
        "the role carries AdministratorAccess (System), MyPolicy (Custom); restoring the catalog's trust would "
        "hand them to ecs.aliyuncs.com, emr.aliyuncs.com"
    )
    assert plan.drift is not None and plan.drift.widened  # the drift is still reported


def test_no_refusal_where_no_repair_was_asked_for_or_none_is_needed() -> None:
    extra = (AttachedPolicy("AdministratorAccess", "System"),)
    assert plan_role(SPEC, Observed(role(OTHER_TRUST), extra), "report").refusal is None
    assert plan_role(SPEC, Observed(role(), extra), "repair").refusal is None
    assert plan_role(SPEC, Observed(role(OTHER_TRUST)), "repair").refusal is None


# What a run reports for a role whose trust has drifted: the extra policies it found are listed even when the
# role is left alone, a dry run of a repair shows the trust update it would make, or why it would make none.
ACCOUNT = "1234567890123456"
ROLE = "AliyunEMRDefaultRole"


def drifted_ram(*extra: tuple[str, str]) -> FakeRam:
    spec = load_catalog().require(ROLE)
    ram = FakeRam(ACCOUNT)
    ram.seed_role(
        spec.name,
        spec.trust_policy.replace("emr.aliyuncs.com", "ecs.aliyuncs.com"),
        [(spec.policy_name, "System"), *extra],
    )
    return ram


def test_a_drifted_role_left_alone_still_lists_its_extra_policies() -> None:
    result = bootstrap(
        parse_request({"accountIds": [ACCOUNT], "roles": [ROLE]}),
        FakeConnector({ACCOUNT: drifted_ram(("MyExtraPolicy", "Custom"))}),
        request_id="r",
    )
    (role,) = result.accounts[0].roles
    assert role.outcome == "drifted" and role.extra_policies == ("MyExtraPolicy",)
    assert role.to_dict()["extraPolicies"] == ["MyExtraPolicy"] and role.changes == ()
    assert role.error is None  # reported only: no repair was asked for, so none was refused


def test_a_dry_run_of_a_repair_plans_the_trust_update() -> None:
    request = parse_request({"accountIds": [ACCOUNT], "roles": [ROLE], "dryRun": True, "drift": "repair"})
    result = bootstrap(request, FakeConnector({ACCOUNT: drifted_ram()}), request_id="r")
    (role,) = result.accounts[0].roles
    assert role.outcome == "planned" and role.extra_policies == () and role.error is None
    assert [change.to_dict() for change in role.changes] == [
        {"action": "UpdateRole", "field": "AssumeRolePolicyDocument"}
    ]


def test_a_dry_run_of_a_repair_of_a_role_with_extra_policies_shows_the_refusal_naming_them() -> None:
    request = parse_request({"accountIds": [ACCOUNT], "roles": [ROLE], "dryRun": True, "drift": "repair"})
    ram = drifted_ram(("MyExtraPolicy", "Custom"))
    result = bootstrap(request, FakeConnector({ACCOUNT: ram}), request_id="r")
    (role,) = result.accounts[0].roles
    assert role.outcome == "drifted" and role.changes == () and role.extra_policies == ("MyExtraPolicy",)
    assert role.error is not None and role.error.code == "ExtraPoliciesAttached"
    assert "MyExtraPolicy (Custom)" in role.error.message and ram.write_calls == 0


def test_a_repaired_role_reports_the_drift_it_repaired() -> None:
    request = parse_request({"accountIds": [ACCOUNT], "roles": [ROLE], "drift": "repair"})
    result = bootstrap(request, FakeConnector({ACCOUNT: drifted_ram()}), request_id="r")
    (role,) = result.accounts[0].roles
    assert role.outcome == "updated" and role.drift is not None and role.error is None
    assert role.to_dict()["drift"] == {
        "trustPolicy": "also has Allow sts:assumerole to Service ecs.aliyuncs.com; "
        "lacks Allow sts:assumerole to Service emr.aliyuncs.com",
        "widened": True,
    }
