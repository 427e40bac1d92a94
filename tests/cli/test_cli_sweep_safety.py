"""``sweep`` is safe by default: it plans and asks before writing, a resume token keeps its sweep's mode, and an
option that the token would drop is refused; Ctrl-C keeps what finished and prints the command that resumes."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.sweeps.sweep_request import Position, parse_sweep_request

from emr_bootstrap_cli.target import Target
from tests.cli.conftest import writes_since

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.cli.conftest import Cli


def token(**options: Any) -> str:
    return parse_sweep_request({"action": "sweep", **options}).token(Position())


def test_sweep_without_yes_and_no_answer_writes_nothing_and_says_so(
    cli: Cli, emu: Emulator, against: list[str]
) -> None:
    member = emu.create_member_account("sweep-unanswered")
    mark = len(emu.calls)

    run = cli("sweep", "--account", member, *against)

    assert run.code == 2 and "nothing was written" in run.err and "--yes" in run.err
    assert "CreateRole, AttachPolicyToRole" in run.out  # the plan was shown
    assert writes_since(emu, mark) == []


def test_sweep_writes_once_the_operator_says_yes(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("sweep-yes")

    run = cli("sweep", "--account", member, "-o", "json", *against, stdin="y\n")

    assert run.code == 0, run.err
    assert run.json()["summary"]["roleOutcomes"]["created"] == 2 and "Write 4 changes in 1 account?" in run.err


def test_sweep_declined_writes_nothing_and_exits_1(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("sweep-no")
    mark = len(emu.calls)

    run = cli("sweep", "--account", member, *against, stdin="n\n")

    assert run.code == 1 and writes_since(emu, mark) == []


def test_resuming_a_dry_run_stays_a_dry_run_even_with_yes(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("sweep-resume-dry")
    mark = len(emu.calls)

    run = cli("sweep", "--next-token", token(accountIds=[member], dryRun=True), "--yes", "-o", "json", *against)

    assert run.code == 0, run.err
    assert run.json()["dryRun"] is True and writes_since(emu, mark) == []


@pytest.mark.parametrize(
    ("options", "extra", "named"),
    [
        ({}, ["--dry-run"], "--dry-run"),
        ({"dryRun": True}, ["--account", "1000000000000009"], "--account"),
        ({"dryRun": True}, ["--drift", "repair"], "--drift"),
        ({"folderIds": ["fd-a"]}, ["--folder", "fd-b"], "--folder"),
    ],
)
def test_next_token_with_an_option_it_would_drop_is_a_usage_error_naming_it(
    cli: Cli, options: dict[str, Any], extra: list[str], named: str
) -> None:
    run = cli("sweep", "--local", "--next-token", token(**options), *extra)

    assert run.code == 2 and named in run.err and "hint:" in run.err
    assert len(run.err.strip().splitlines()) == 2


def test_next_token_with_the_same_options_as_the_token_is_accepted(cli: Cli) -> None:
    run = cli("sweep", "--local", "--dry-run", "--next-token", token(dryRun=True), "-o", "json")

    assert run.code == 0 and run.json()["dryRun"] is True


def interrupt_round(monkeypatch: pytest.MonkeyPatch, at: int) -> None:
    """Ctrl-C during round ``at`` (from 1); every earlier round ends with a token, as a long sweep's do."""
    real = Target.run
    calls: list[int] = []

    def run(self: Target, job: Any, *, timeout_s: float | None = None) -> Any:
        calls.append(1)
        if len(calls) == at:
            raise KeyboardInterrupt
        result = real(self, job, timeout_s=timeout_s)
        result_dict = result.to_dict()

        class Round:
            def to_dict(self) -> dict[str, Any]:
                sweep = {**result_dict["sweep"], "stopped": "deadline"}  # as a long sweep's rounds end
                return {**result_dict, "sweep": sweep, "nextToken": job.request.token(Position(len(calls), 0))}

        return Round()

    monkeypatch.setattr(Target, "run", run)


def test_ctrl_c_after_a_round_prints_it_and_the_exact_command_that_resumes(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt_round(monkeypatch, at=2)

    run = cli("sweep", "--local", "--members", "2", "--dry-run", "--exclude", "1000000000000003", "-o", "json")

    assert run.code == 130
    assert run.json()["summary"]["accounts"] >= 1 and run.json()["nextToken"]
    resume = next(line for line in run.err.splitlines() if "resume:" in line).split("resume: ")[1]
    given = ["sweep", "--local", "--members", "2", "--dry-run", "--exclude", "1000000000000003", "-o", "json"]
    assert shlex.split(resume) == ["emr-bootstrap", *given, "--next-token", run.json()["nextToken"]]
    assert "nothing was written" in run.err


def test_ctrl_c_in_the_first_round_says_what_may_have_been_written(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    interrupt_round(monkeypatch, at=1)

    run = cli("sweep", "--local", "--members", "2", "--yes")

    assert run.code == 130 and "may already have been created" in run.err
    assert "run again: emr-bootstrap sweep --local --members 2 --yes" in run.err


def test_ctrl_c_while_planning_writes_nothing_and_offers_the_command_again(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt_round(monkeypatch, at=2)

    run = cli("sweep", "--local", "--members", "2", "--account", "1000000000000002")

    assert run.code == 130 and "nothing was written" in run.err
    assert "run again: emr-bootstrap sweep --local --members 2 --account 1000000000000002" in run.err
