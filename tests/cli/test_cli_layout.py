"""Output in a terminal of 80 and of 120 columns (every column shown, every role name whole), progress on stderr
for plan and apply over many accounts (never on stdout, none with -q), and shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from emr_bootstrap.core.catalog import load_catalog

from emr_bootstrap_cli.batches import BATCH

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.cli.conftest import Cli

ROLE_NAMES = [spec.name for spec in load_catalog().roles]


def widest(out: str) -> int:
    return max(len(line) for line in out.splitlines())


@pytest.mark.parametrize("columns", [80, 120])
def test_a_terminal_table_fits_its_width_with_every_column_and_whole_role_names(cli: Cli, columns: int) -> None:
    env = {"COLUMNS": str(columns), "NO_COLOR": "1"}
    run = cli("plan", "--local", "1000000000000002", "1000000000000001", "--feature", "studio", tty=True, env=env)

    assert run.code == 0, run.err
    assert widest(run.out) <= columns and "…" not in run.out
    for name in ["AliyunEMRDefaultRole", "AliyunECSInstanceForEMRStudioRole", "AttachPolicyToRole", "succeeded"]:
        assert name in run.out
    header = run.out.splitlines()[1]
    assert all(cell.strip() for cell in header.strip("│").split("│")), header  # no column without a heading
    assert all(line.count("│") == header.count("│") for line in run.out.splitlines() if line.startswith("│"))


@pytest.mark.parametrize(
    ("columns", "headings"),
    [
        (120, ["ACCOUNT", "STATUS", "ROLE", "OUTCOME", "CHANGES"]),
        (80, ["ACCOUNT / STATUS", "ROLE / OUTCOME", "CHANGES"]),  # stacked: narrower than five columns side by side
    ],
)
def test_the_table_shows_its_columns_side_by_side_or_stacked_by_width(
    cli: Cli, columns: int, headings: list[str]
) -> None:
    run = cli("plan", "--local", "1000000000000002", tty=True, env={"COLUMNS": str(columns), "NO_COLOR": "1"})

    assert [cell.strip() for cell in run.out.splitlines()[1].strip().strip("│").split("│")] == headings


@pytest.mark.parametrize("columns", [80, 120])
def test_the_catalog_fits_the_terminal_with_whole_role_and_policy_names(cli: Cli, columns: int) -> None:
    run = cli("catalog", tty=True, env={"COLUMNS": str(columns), "NO_COLOR": "1"})

    assert run.code == 0 and widest(run.out) <= columns and "…" not in run.out
    assert all(name in run.out for name in ROLE_NAMES)
    assert all(spec.policy_name in run.out for spec in load_catalog().roles)


def test_plain_output_is_never_stacked_whatever_the_width(cli: Cli) -> None:
    run = cli("plan", "--local", "1000000000000002", env={"COLUMNS": "40"})

    assert run.out.splitlines()[0].split() == ["ACCOUNT", "STATUS", "ROLE", "OUTCOME", "CHANGES"]


def many(emu: Emulator, name: str) -> list[str]:
    return emu.create_member_accounts(BATCH + 5, prefix=name)


def test_plan_over_many_accounts_shows_progress_on_stderr_and_keeps_stdout_json(
    cli: Cli, emu: Emulator, against: list[str]
) -> None:
    members = many(emu, "progress")

    run = cli("plan", *members, "-o", "json", *against)

    assert run.code == 0, run.err
    result = run.json()
    assert [a["accountId"] for a in result["accounts"]] == members
    assert result["summary"]["accounts"] == len(members) and result["summary"]["roleOutcomes"]["planned"] == 50
    assert f"plan: {BATCH}/{len(members)} accounts" in run.err
    assert f"plan: {len(members)}/{len(members)} accounts" in run.err


def test_apply_over_many_accounts_shows_progress_and_none_with_quiet(
    cli: Cli, emu: Emulator, against: list[str]
) -> None:
    members = many(emu, "quiet")

    loud = cli("apply", *members[: BATCH + 1], "--yes", *against)
    quiet = cli("-q", "apply", *members, "--yes", "-o", "json", *against)

    assert loud.code == quiet.code == 0
    assert f"apply: {BATCH + 1}/{BATCH + 1} accounts" in loud.err
    assert f"/{len(members)} accounts" not in quiet.err and json.loads(quiet.out)["summary"]["accounts"] == len(members)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_for_each_shell(cli: Cli, shell: str) -> None:
    run = cli("completion", shell)

    assert run.code == 0 and "_EMR_BOOTSTRAP_COMPLETE" in run.out


@pytest.mark.parametrize(
    ("words", "completed"),
    [
        ("emr-bootstrap sweep --dr", ["plain,--dry-run", "plain,--drift"]),
        ("emr-bootstrap apply pla", ["file,pla"]),  # apply PLAN_FILE: the shell completes file names
    ],
)
def test_bash_completion_completes_options_and_plan_files_through_the_console_script(
    words: str, completed: list[str]
) -> None:
    script = Path(sys.executable).with_name("emr-bootstrap")
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": "2", "_EMR_BOOTSTRAP_COMPLETE": "bash_complete"}

    done = subprocess.run([script], env=env, capture_output=True, text=True, check=False, timeout=60)

    assert done.returncode == 0 and done.stdout.split() == completed
