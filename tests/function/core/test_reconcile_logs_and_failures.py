"""A run as the operator reads it in the logs (one line per cloud call, per role, per account and per request, with
the fields the README names, at WARNING when something needs attention) and in the result (what a member account
that cannot be entered, a directory that does not know an account, or a deadline says)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.reconcile import Reconciler
from emr_bootstrap.core.request import parse_request
from emr_bootstrap.core.scope import Scope
from emr_bootstrap.shared.errors import CloudError
from emr_bootstrap.shared.timing import Deadline

from tests.function.fakes import FakeClock, FakeConnector, FakeDirectory, FakeRam, bootstrap, fast_settings

if TYPE_CHECKING:
    import logging

    import pytest


A, B = "1234567890123456", "6543210987654321"


OWN = "1999999999999999"


DEFAULT_ROLES = ["AliyunEMRDefaultRole", "AliyunECSInstanceForEMRRole"]


def fields(record: logging.LogRecord, *names: str) -> tuple[Any, ...]:
    return tuple(getattr(record, name) for name in names)


def messages(records: list[logging.LogRecord], prefix: str) -> list[logging.LogRecord]:
    return [r for r in records if r.getMessage().startswith(prefix)]


def test_a_run_logs_each_call_role_account_and_the_request_with_their_fields(
    emr_logs: list[logging.LogRecord],
) -> None:
    result = bootstrap(parse_request({"accountIds": [A]}), FakeConnector(), request_id="req-1")
    assert result.status == "succeeded"
    roles = messages(emr_logs, "role ")
    assert sorted(r.getMessage() for r in roles) == ["role created", "role created"]
    for record in roles:
        assert record.levelname == "INFO"
        assert fields(record, "requestId", "accountId", "outcome", "action", "changes", "errorCode") == (
            "req-1",
            A,
            "created",
            "CreateRole,AttachPolicyToRole",
            ["CreateRole", "AttachPolicyToRole"],
            None,
        )
        assert isinstance(record.durationMs, int)  # type: ignore[attr-defined]
    assert sorted(r.roleName for r in roles) == sorted(DEFAULT_ROLES)  # type: ignore[attr-defined]
    (account,) = messages(emr_logs, "account ")
    assert account.getMessage() == "account succeeded" and account.levelname == "INFO"
    assert fields(account, "requestId", "accountId", "outcome", "errorCode") == ("req-1", A, "succeeded", None)
    (summary,) = messages(emr_logs, "bootstrap ")
    assert summary.getMessage() == "bootstrap succeeded"
    assert fields(summary, "requestId", "outcome", "durationMs") == ("req-1", "succeeded", result.duration_ms)
    assert summary.accountStatus == {"succeeded": 1, "failed": 0, "skipped": 0, "not-attempted": 0}  # type: ignore[attr-defined]
    assert summary.roleOutcomes["created"] == 2  # type: ignore[attr-defined]
    calls = messages(emr_logs, "call ")
    assert {r.getMessage() for r in calls} >= {"call CreateRole", "call AttachPolicyToRole", "call GetRole"}
    create = next(r for r in calls if r.getMessage() == "call CreateRole")
    assert create.levelname == "DEBUG"
    assert fields(create, "requestId", "accountId", "action", "outcome") == ("req-1", A, "CreateRole", "OK")


def test_a_role_that_only_read_logs_no_action_and_a_failed_one_warns_with_its_code(
    emr_logs: list[logging.LogRecord],
) -> None:
    connector = FakeConnector()
    bootstrap(parse_request({"accountIds": [A]}), connector, request_id="first")
    emr_logs.clear()
    bootstrap(parse_request({"accountIds": [A]}), connector, request_id="again")
    for record in messages(emr_logs, "role "):
        assert record.getMessage() == "role unchanged" and record.levelname == "INFO"
        assert fields(record, "action", "changes") == ("none", [])
    emr_logs.clear()
    ram = FakeRam(B)
    ram.fail[("CreateRole", None)] = CloudError("NoPermission", "denied", status=403)
    bootstrap(parse_request({"accountIds": [B]}), FakeConnector({B: ram}), request_id="denied")
    failed = messages(emr_logs, "role ")
    assert {r.getMessage() for r in failed} == {"role failed"} and {r.levelname for r in failed} == {"WARNING"}
    assert {r.errorCode for r in failed} == {"NoPermission"}  # type: ignore[attr-defined]
    (account,) = messages(emr_logs, "account ")
    assert account.levelname == "WARNING" and account.errorCode is None  # type: ignore[attr-defined]
    refused = next(r for r in messages(emr_logs, "call CreateRole"))
    assert refused.outcome == "NoPermission"  # type: ignore[attr-defined]


def test_a_drifted_role_warns(emr_logs: list[logging.LogRecord]) -> None:
    ram = FakeRam(A)
    catalog = load_catalog()
    spec = catalog.require("AliyunEMRDefaultRole")
    ram.seed_role(
        spec.name, spec.trust_policy.replace("emr.aliyuncs.com", "ecs.aliyuncs.com"), [(spec.policy_name, "System")]
    )
    bootstrap(parse_request({"accountIds": [A], "roles": [spec.name]}), FakeConnector({A: ram}), request_id="d")
    (record,) = messages(emr_logs, "role ")
    assert record.getMessage() == "role drifted" and record.levelname == "WARNING"


def test_a_bug_in_a_role_is_logged_with_the_call_in_flight_and_reported_for_that_role(
    emr_logs: list[logging.LogRecord],
) -> None:
    ram = FakeRam(A)
    ram.fail[("AttachPolicyToRole", None)] = RuntimeError("boom")  # type: ignore[assignment]
    result = bootstrap(
        parse_request({"accountIds": [A], "roles": ["AliyunEMRDefaultRole"]}), FakeConnector({A: ram}), request_id="b"
    )
    (role,) = result.accounts[0].roles
    assert role.outcome == "failed" and role.error is not None
    assert role.error.message == "unexpected RuntimeError during AttachPolicyToRole"
    (record,) = [r for r in emr_logs if r.getMessage() == "unexpected error"]
    assert record.exc_info is not None
    assert fields(record, "requestId", "accountId", "roleName", "action") == (
        "b",
        A,
        "AliyunEMRDefaultRole",
        "AttachPolicyToRole",
    )


def test_a_bug_in_one_account_is_reported_for_it_and_logged_and_the_others_finish(
    monkeypatch: pytest.MonkeyPatch, emr_logs: list[logging.LogRecord]
) -> None:
    original = Reconciler.account
    clock = FakeClock()

    def flaky(self: Reconciler, account_id: str, *args: Any, **kwargs: Any) -> Any:
        if account_id == B:
            clock.sleep(1.5)  # the bug strikes after a while
            raise RuntimeError("boom")
        return original(self, account_id, *args, **kwargs)

    monkeypatch.setattr(Reconciler, "account", flaky)
    settings = fast_settings(clock)
    result = bootstrap(parse_request({"accountIds": [A, B]}), FakeConnector(), request_id="r-2", settings=settings)
    by_id = {a.account_id: a for a in result.accounts}
    assert by_id[A].status == "succeeded" and by_id[B].status == "failed"
    error = by_id[B].error
    assert error is not None and error.message == "unexpected RuntimeError"
    assert by_id[B].duration_ms == 1500  # the time it ran is reported, not lost with the account
    (record,) = [r for r in emr_logs if r.getMessage() == "unexpected error"]
    assert fields(record, "requestId", "accountId") == ("r-2", B) and record.exc_info is not None


def test_an_account_that_cannot_be_entered_says_why_with_the_assume_role_hint() -> None:
    connector = FakeConnector()
    connector.unreachable[A] = CloudError("NoPermission", "not allowed", status=403, request_id="sts-1")
    connector.unreachable[B] = CloudError("EntityNotExist.Role", "no such role", status=404, request_id="sts-2")
    result = bootstrap(parse_request({"accountIds": [A, B]}), connector, request_id="r")
    errors = {a.account_id: a.error for a in result.accounts}
    refused, missing = errors[A], errors[B]
    assert refused is not None and missing is not None
    assert refused.to_dict() == {
        "code": "NoPermission",
        "message": "AssumeRole: not allowed",
        "hint": (
            "The function's identity may not assume the member access role: grant it sts:AssumeRole on that role, "
            "and make sure the role trusts the management account."
        ),
        "requestId": "sts-1",
    }
    assert missing.code == "AccessRoleMissing" and missing.request_id == "sts-2"
    assert missing.message == f"cannot assume the member access role in account {B}: no such role"


def test_an_account_the_directory_does_not_know_is_skipped_with_the_directorys_request_id() -> None:
    directory = FakeDirectory()
    directory.fail[A] = CloudError("EntityNotExists.Account", "gone", status=404, request_id="rm-1")
    result = bootstrap(parse_request({"accountIds": [A]}), FakeConnector(), request_id="r", directory=directory)
    (account,) = result.accounts
    assert account.status == "skipped" and account.skip is not None
    assert account.skip.code == "AccountNotInDirectory" and account.skip.request_id == "rm-1"
    assert account.skip.message == f"account {A} is not a member of the function's Resource Directory"


def test_the_own_account_outside_any_directory_is_still_judged_by_its_folder_scope() -> None:
    directory = FakeDirectory()
    directory.fail[OWN] = CloudError("EntityNotExists.ResourceDirectory", "no directory", status=404)
    scope = Scope(include_management_account=True, allowed_folders=frozenset({"fd-x"}))
    result = bootstrap(
        parse_request({"accountIds": [OWN]}), FakeConnector(), request_id="r", directory=directory, scope=scope
    )
    (account,) = result.accounts
    assert account.status == "skipped" and account.skip is not None and account.skip.code == "AccountOutOfScope"
    assert account.skip.message.startswith(f"account {OWN} is out of scope")


def test_accounts_left_out_by_the_lists_cost_no_directory_listing() -> None:
    others = [str(8000000000000000 + n) for n in range(5)]
    for accounts, scope in (([OWN, *others], None), ([A, *others], Scope(denied_accounts=frozenset({A})))):
        directory = FakeDirectory(members=others)
        bootstrap(
            parse_request({"accountIds": accounts}), FakeConnector(), request_id="r", directory=directory, scope=scope
        )
        assert directory.pages_read == []


def test_an_account_past_the_deadline_says_how_little_time_was_left() -> None:
    settings = fast_settings()
    deadline = Deadline(at=-3.0, margin_s=5.0, clock=lambda: 0.0)
    reconciler = Reconciler(FakeConnector(), FakeDirectory(), catalog=load_catalog(), settings=settings)
    result = reconciler.run(parse_request({"accountIds": [A]}), request_id="r", deadline=deadline)
    (account,) = result.accounts
    assert account.account_id == A and account.status == "not-attempted" and account.skip is not None
    assert account.skip.message == (
        "not started: 0.0s were left before the invocation's deadline, "
        "less than the 5s kept to finish the accounts already started"
    )


class Ticking:
    """A clock that moves one second each time it is read, and sleeps by moving on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_skipped_and_failed_accounts_log_why_with_how_long_they_took(emr_logs: list[logging.LogRecord]) -> None:
    directory = FakeDirectory()
    directory.statuses[A] = "CreateVerifying"
    directory.fail[B] = CloudError("Throttling.User", "slow down", status=400)
    clock = Ticking()
    result = bootstrap(
        parse_request({"accountIds": [A, B], "strategy": "create-first"}),
        FakeConnector(),
        request_id="r",
        directory=directory,
        settings=fast_settings(clock, propagation_timeout_s=5.0),  # type: ignore[arg-type]
    )
    by_id = {a.account_id: a for a in result.accounts}
    waiting, throttled = by_id[A], by_id[B]
    assert waiting.status == "skipped" and waiting.skip is not None and waiting.duration_ms > 0
    assert waiting.skip.message == f"account {A} is CreateVerifying in the Resource Directory, not active yet"
    assert throttled.status == "failed" and throttled.error is not None and throttled.duration_ms > 0
    assert throttled.error.message == "GetAccount: slow down"
    logged = {r.accountId: r for r in messages(emr_logs, "account ")}  # type: ignore[attr-defined]
    assert fields(logged[A], "outcome", "errorCode") == ("skipped", "AccountNotReady")
    assert fields(logged[B], "outcome", "errorCode") == ("failed", "Throttling.User")
    assert logged[A].durationMs == by_id[A].duration_ms  # type: ignore[attr-defined]
    assert isinstance(result.duration_ms, int) and result.request_id == "r"


def test_a_run_times_every_role_and_account_and_names_skipped_roles_policies() -> None:
    clock = Ticking()
    request = parse_request({"accountIds": [A], "customEcsRole": "MyEcsRole"})
    result = bootstrap(request, FakeConnector(), request_id="r", settings=fast_settings(clock))  # type: ignore[arg-type]
    (account,) = result.accounts
    assert account.duration_ms > 0 and all(role.duration_ms > 0 for role in account.roles if role.outcome != "skipped")
    skipped = next(role for role in account.roles if role.outcome == "skipped")
    assert skipped.policy_name == "AliyunECSInstanceForEMRRolePolicy"
    created = next(role for role in account.roles if role.outcome == "created")
    assert created.policy_name == "AliyunEMRRolePolicy"
    assert [c.to_dict() for c in created.changes] == [
        {"action": "CreateRole"},
        {"action": "AttachPolicyToRole", "policyName": "AliyunEMRRolePolicy"},
    ]


def test_one_account_reconciled_alone_logs_an_empty_request_id(emr_logs: list[logging.LogRecord]) -> None:
    reconciler = Reconciler(FakeConnector(), FakeDirectory(), catalog=load_catalog(), settings=fast_settings())
    reconciler.account(A, parse_request({"accountIds": [A]}), strategy="read-first")
    assert {r.requestId for r in emr_logs if hasattr(r, "requestId")} == {""}


def test_a_created_role_gets_the_catalog_description_and_each_call_is_timed(emr_logs: list[logging.LogRecord]) -> None:
    ram = FakeRam(A)
    bootstrap(
        parse_request({"accountIds": [A], "roles": ["AliyunEMRDefaultRole"]}), FakeConnector({A: ram}), request_id="r"
    )
    role = ram.role("AliyunEMRDefaultRole")
    assert role is not None and role.description == load_catalog().require("AliyunEMRDefaultRole").description
    calls = messages(emr_logs, "call ")
    assert {r.getMessage() for r in calls} == {
        "call GetRole",
        "call ListPoliciesForRole",
        "call CreateRole",
        "call AttachPolicyToRole",
    }
    assert all(isinstance(r.durationMs, int) and r.action == r.getMessage()[5:] for r in calls)  # type: ignore[attr-defined]
