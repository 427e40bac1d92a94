"""``emr-bootstrap sweep``: the directory swept in rounds, progress on stderr, the function's result on stdout."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.cli.conftest import Cli


def test_sweep_local_grants_every_member_its_roles_and_reports_the_function_result(cli: Cli) -> None:
    run = cli("sweep", "--local", "--members", "4", "--yes", "--output", "json")

    result = run.json()
    assert run.code == 0, run.err
    assert result["summary"]["accountStatus"]["succeeded"] == 4
    assert result["summary"]["roleOutcomes"]["created"] == 8
    assert "nextToken" not in result and result["sweep"]["listed"] == 5
    assert "sweep: 5 accounts so far" in run.err  # progress, plain when stderr is not a terminal


def test_sweep_dry_run_writes_nothing_and_plans_the_roles(cli: Cli) -> None:
    run = cli("sweep", "--local", "--members", "2", "--dry-run", "--output", "json")

    assert run.code == 0, run.err
    assert run.json()["dryRun"] is True and run.json()["summary"]["roleOutcomes"]["planned"] == 4


def test_sweep_table_names_the_skipped_management_account(cli: Cli) -> None:
    run = cli("sweep", "--local", "--members", "1", "--dry-run")

    assert run.code == 0 and "ManagementAccountExcluded" in run.out


def test_sweep_with_a_forged_token_is_a_usage_error_with_a_hint(cli: Cli) -> None:
    run = cli("sweep", "--local", "--next-token", "not-a-token")

    assert run.code == 2 and "nextToken" in run.err and "hint" in run.err


def test_sweep_with_an_unusable_filter_is_a_usage_error(cli: Cli) -> None:
    run = cli("sweep", "--local", "--folder", "prod")

    assert run.code == 2 and "folderIds[0]" in run.err
