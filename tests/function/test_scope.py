"""Scope: the function acts only on accounts the deployment allows; nothing a caller sends widens it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.request import BootstrapRequest, parse_request
from emr_bootstrap.scope import Scope
from emr_bootstrap.settings import Settings, SettingsError

from tests.function.fakes import FakeConnector, FakeDirectory, bootstrap

if TYPE_CHECKING:
    from emr_bootstrap.result import Result

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


def test_deny_list_wins_over_everything_and_costs_no_call() -> None:
    directory = FakeDirectory()
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
