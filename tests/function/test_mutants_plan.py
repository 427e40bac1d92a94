"""What a run reports for a role whose trust has drifted: the extra policies it found are listed even when the
role is left alone, a dry run of a repair shows the trust update it would make, or why it would make none."""

from __future__ import annotations

from emr_bootstrap.catalog import load_catalog
from emr_bootstrap.request import parse_request

from tests.function.fakes import FakeConnector, FakeRam, bootstrap

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
