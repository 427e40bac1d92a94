"""Scope: the function acts only on accounts the deployment allows; nothing a caller sends widens it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.adapters.settings import Settings, SettingsError
from emr_bootstrap.core.request import BootstrapRequest, parse_request
from emr_bootstrap.core.scope import Scope, management_unknown
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import CloudError, ErrorInfo, render_error

from tests.function.fakes import FakeConnector, FakeDirectory, bootstrap

if TYPE_CHECKING:
    from emr_bootstrap.core.result import Result

OWN, A, B = "1000000000000001", "1234567890123456", "6543210987654321"


def run(
    *accounts: str, scope: Scope | None = None, directory: FakeDirectory | None = None
) -> tuple[Result, FakeConnector]:
    connector = FakeConnector(own_account_id=OWN)
    result = bootstrap(
        BootstrapRequest(account_ids=accounts), connector, request_id="r", directory=directory, scope=scope
    )
    return result, connector


def skip_code(result: Result, account_id: str) -> str | None:
    account = next(a for a in result.accounts if a.account_id == account_id)
    return account.skip.code if account.status == "skipped" and account.skip else None


def test_management_account_is_skipped_by_default_and_never_opened() -> None:
    result, connector = run(OWN, A)

    assert skip_code(result, OWN) == "ManagementAccountExcluded"
    assert [opened for opened, _ in connector.opened] == [A]


def test_the_management_account_is_the_directorys_not_the_functions_own() -> None:
    # The function runs in A here (a CLI with another profile, say); the directory says OWN is the management account.
    directory = FakeDirectory(management=OWN)
    connector = FakeConnector(own_account_id=A)
    result = bootstrap(BootstrapRequest(account_ids=(OWN, A)), connector, request_id="r", directory=directory)

    assert skip_code(result, OWN) == "ManagementAccountExcluded"
    assert [opened for opened, _ in connector.opened] == [A]


@pytest.mark.parametrize(
    ("cause", "code", "transient"),
    [
        (CloudError("ServiceUnavailable", "busy", status=503), "ManagementAccountUnknown", True),
        (CloudError("ResourceDirectoryNotInUse", "no directory", status=404), "ManagementAccountUnknown", False),
        (CloudError("NoPermission", "not allowed", status=403), "NoPermission", False),  # the fix is a grant
        (CloudError("InvalidAccessKeyId.NotFound", "no such key", status=404), "InvalidAccessKeyId.NotFound", False),
        (CloudError("EndpointUnreachable", "request failed"), "EndpointUnreachable", True),  # the fix is a setting
    ],
)
def test_when_the_management_account_cannot_be_learned_no_account_is_opened(
    cause: CloudError, code: str, transient: bool
) -> None:
    directory = FakeDirectory(members=[OWN, A, B, *(f"{7000000000000000 + n}" for n in range(10))], management=OWN)
    directory.management_fail = cause
    accounts = (OWN, A, B, *(f"{7000000000000000 + n}" for n in range(7)))

    result, connector = run(*accounts, directory=directory)

    assert connector.opened == [] and directory.asked == [] and directory.pages_read == []
    assert {a.status for a in result.accounts} == {"failed"}
    errors = [a.error for a in result.accounts]
    assert all(e is not None and e.code == code and "management account" in e.message for e in errors)
    assert all(e is not None and cause.message in e.message for e in errors)
    assert {e.transient for e in errors if e is not None} == {transient}
    assert directory.management_asked == 1  # once for the whole run, not once per account


def test_including_the_management_account_never_asks_for_it() -> None:
    directory = FakeDirectory(management=OWN)
    directory.management_fail = CloudError("NoPermission", "not allowed", status=403)

    result, connector = run(OWN, A, scope=Scope(include_management_account=True), directory=directory)

    assert {a.status for a in result.accounts} == {"succeeded"}
    assert directory.management_asked == 0 and sorted(o for o, _ in connector.opened) == sorted([OWN, A])


def test_lists_still_refuse_first_when_the_management_account_is_unknown() -> None:
    directory = FakeDirectory(management=OWN)
    directory.management_fail = CloudError("ServiceUnavailable", "busy", status=503)

    result, _ = run(A, B, scope=Scope(denied_accounts=frozenset({A})), directory=directory)

    assert skip_code(result, A) == "AccountOutOfScope"
    assert next(a for a in result.accounts if a.account_id == B).status == "failed"


def test_deny_list_wins_over_everything_and_costs_no_call() -> None:
    directory = FakeDirectory(management=OWN)
    result, connector = run(A, B, scope=Scope(denied_accounts=frozenset({A})), directory=directory)

    assert skip_code(result, A) == "AccountOutOfScope"
    assert A not in directory.asked and [opened for opened, _ in connector.opened] == [B]


def test_allow_list_leaves_every_other_account_out() -> None:
    result, connector = run(A, B, scope=Scope(allowed_accounts=frozenset({B})))

    assert skip_code(result, A) == "AccountOutOfScope" and skip_code(result, B) is None
    assert [opened for opened, _ in connector.opened] == [B]


def test_allowed_folders_admit_accounts_anywhere_below_them() -> None:
    directory = FakeDirectory()
    directory.paths[A] = f"rd-1/r-root/fd-prod/fd-emr/{A}"
    directory.paths[B] = f"rd-1/r-root/fd-sandbox/{B}"

    result, connector = run(A, B, scope=Scope(allowed_folders=frozenset({"fd-prod"})), directory=directory)

    assert skip_code(result, A) is None and skip_code(result, B) == "AccountOutOfScope"
    skipped = next(a for a in result.accounts if a.account_id == B).skip
    assert skipped is not None and "fd-sandbox" in skipped.message
    assert [opened for opened, _ in connector.opened] == [A]


def test_a_thousand_made_up_accounts_cost_a_few_directory_reads_and_no_assume_role() -> None:
    made_up = [f"{9000000000000000 + n}" for n in range(1000)]
    directory = FakeDirectory(members=[OWN, A, B])
    directory.missing.update(made_up)

    result, connector = run(*made_up, directory=directory)

    assert {skip_code(result, a) for a in made_up} == {"AccountNotInDirectory"}
    assert connector.opened == []
    assert directory.pages_read == [1] and directory.asked == []


def test_few_accounts_are_looked_up_one_by_one() -> None:
    directory = FakeDirectory(members=[OWN, A, B])

    run(A, B, directory=directory)

    assert directory.pages_read == [] and sorted(directory.asked) == [A, B]


def test_listing_stops_when_getting_the_rest_one_by_one_is_cheaper() -> None:
    members = [f"{8000000000000000 + n}" for n in range(1000)]
    directory = FakeDirectory(members=members)
    wanted = members[-6:]  # on the last of ten pages: six GetAccount calls beat nine more pages

    result, _ = run(*wanted, directory=directory)

    assert directory.pages_read == [1] and sorted(directory.asked) == sorted(wanted)
    assert {a.status for a in result.accounts} == {"succeeded"}


def test_no_request_field_can_widen_the_scope() -> None:
    for field in ("scope", "includeManagementAccount", "allowedFolders", "accountAllowlist"):
        with pytest.raises(Exception, match="unknown field"):
            parse_request({"accountIds": [A], field: True})


def test_scope_settings_are_read_from_the_environment() -> None:
    scope = Settings.from_env(
        {
            "EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT": "TRUE",
            "EMR_BOOTSTRAP_ALLOWED_FOLDERS": "fd-prod, r-Wm12",
            "EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": f"{A},{B}",
            "EMR_BOOTSTRAP_ACCOUNT_DENYLIST": B,
        }
    ).scope
    assert scope == Scope(True, frozenset({"fd-prod", "r-Wm12"}), frozenset({A, B}), frozenset({B}))
    assert Settings.from_env({}).scope == Scope()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT", "yes"),
        ("EMR_BOOTSTRAP_ALLOWED_FOLDERS", "prod"),
        ("EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST", "12ab"),
        ("EMR_BOOTSTRAP_ACCOUNT_DENYLIST", f"{A};{B}"),
    ],
)
def test_unusable_scope_setting_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})


# -- why no account is acted on when the management account is unknown ------------------------------------------
WHY_UNKNOWN = (
    "the Resource Directory's management account could not be learned, so no account can be shown not to be it"
)


def test_a_refused_directory_read_keeps_its_code_names_the_grant_it_lacks_and_says_nothing_was_attempted() -> None:
    cause = render_error(
        CloudError("NoPermission", "not allowed", status=403, request_id="cloud-1"), action="GetResourceDirectory"
    )

    refusal = management_unknown(cause)

    assert refusal == ErrorInfo(
        "NoPermission",
        f"GetResourceDirectory: not allowed (not attempted: {WHY_UNKNOWN})",
        # The operator's fix: the grant the function's role lacks.
        "Grant resourcemanager:GetResourceDirectory to the function's role "
        "(deploy/policies/function-event-role-policy.json, function-http-role-policy.json).",
        "cloud-1",  # the request to quote to support
    )


def test_any_other_failure_to_learn_it_says_nothing_was_attempted_and_names_the_causes_code_and_request() -> None:
    cause = render_error(
        CloudError("ResourceDirectoryNotInUse", "no directory", status=404, request_id="cloud-2"),
        action="GetResourceDirectory",
    )

    refusal = management_unknown(cause)

    assert refusal == ErrorInfo(
        "ManagementAccountUnknown",
        f"not attempted: {WHY_UNKNOWN} (ResourceDirectoryNotInUse: GetResourceDirectory: no directory)",
        codes.hint_for("ManagementAccountUnknown"),
        "cloud-2",
    )
    hint = refusal.hint or ""
    assert "resourcemanager:GetResourceDirectory" in hint and "EMR_BOOTSTRAP_INCLUDE_MANAGEMENT_ACCOUNT" in hint


@pytest.mark.parametrize("status", [403, 503])
@pytest.mark.parametrize("code", ["InvalidSecurityToken.Expired", "ServiceUnavailable.Directory"])
def test_the_refusal_is_as_transient_as_its_cause_whatever_code_it_keeps(code: str, status: int) -> None:
    # Codes no table entry knows: only the status says whether the cause may pass (a 5xx may, a 403 will not).
    cause = render_error(CloudError(code, "failed", status=status), action="GetResourceDirectory")
    assert cause.transient is (status >= 500)

    assert management_unknown(cause).transient is cause.transient


def test_a_scope_asked_without_the_management_account_refuses_every_account() -> None:
    # None means "not asked": only a deployment that includes the management account may pass it.
    expected = ErrorInfo(
        "ManagementAccountUnknown",
        "not attempted: the management account was not learned",
        codes.hint_for("ManagementAccountUnknown"),
    )

    assert Scope().refuse_management(A, None) == expected
    assert Scope().refuse_before_lookup(B, None) == expected
    assert Scope(include_management_account=True).refuse_before_lookup(A, None) is None
