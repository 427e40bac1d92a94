"""``sweep --request FILE`` takes a sweep's options from a JSON file (as plan and apply do), the command line
overriding it, and a resume token checks the file's fields as it checks options. Ctrl-C keeps what finished, as a
table or as JSON, and says what may have been written."""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING

import pytest

from tests.cli.conftest import table, writes_since
from tests.cli.test_cli_sweep_safety import interrupt_round, token

if TYPE_CHECKING:
    from pathlib import Path

    from emulator.testing import Emulator
    from tests.cli.conftest import Cli


def request_file(tmp_path: Path, **fields: object) -> str:
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps({"action": "sweep", **fields}))
    return str(path)


def test_sweep_takes_its_options_from_a_request_file(
    cli: Cli, emu: Emulator, against: list[str], tmp_path: Path
) -> None:
    member = emu.create_member_account("sweep-request-file")
    mark = len(emu.calls)
    path = request_file(tmp_path, accountIds=[member], dryRun=True, features=["studio"])

    run = cli("sweep", "--request", path, "-o", "json", *against)

    assert run.code == 0, run.err
    assert run.json()["dryRun"] is True and writes_since(emu, mark) == []
    assert [r["roleName"] for r in run.json()["accounts"][0]["roles"]][-1] == "AliyunECSInstanceForEMRStudioRole"


def test_options_override_the_request_file(cli: Cli, emu: Emulator, against: list[str], tmp_path: Path) -> None:
    member, other = emu.create_member_account("sweep-file-a"), emu.create_member_account("sweep-file-b")
    path = request_file(tmp_path, accountIds=[member], dryRun=True)

    run = cli("sweep", "--request", path, "--account", other, "-o", "json", *against)

    assert run.code == 0 and [a["accountId"] for a in run.json()["accounts"]] == [other]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[1]", "not a JSON object"),
        ("{", "not JSON"),
        ('{"nextToken": "x"}', "--next-token"),
        ('{"folderIds": "fd-a"}', "folderIds"),
    ],
)
def test_a_bad_request_file_is_a_usage_error(cli: Cli, tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "sweep.json"
    path.write_text(text)

    run = cli("sweep", "--local", "--request", str(path))

    assert run.code == 2 and said in run.err and len(run.err.strip().splitlines()) == 2


def test_a_request_file_that_differs_from_the_token_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = request_file(tmp_path, dryRun=False, folderIds=["fd-b"])

    run = cli("sweep", "--local", "--request", path, "--next-token", token(dryRun=True, folderIds=["fd-a"]))

    assert run.code == 2 and "--request's" in run.err and "differs from the sweep the token resumes" in run.err


def test_ctrl_c_after_a_round_keeps_it_as_a_table_and_resumes_with_the_request_file(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = request_file(tmp_path, dryRun=True)
    interrupt_round(monkeypatch, at=2)

    run = cli("sweep", "--local", "--members", "2", "--request", path)

    assert run.code == 130
    assert {row["STATUS"] for row in table(run.out)} <= {"succeeded", "skipped"} and len(table(run.out)) >= 1
    resume = next(line for line in run.err.splitlines() if "resume:" in line).split("resume: ")[1]
    assert shlex.split(resume)[:6] == ["emr-bootstrap", "sweep", "--local", "--members", "2", "--request"]
    assert shlex.split(resume)[6:8] == [path, "--next-token"] and "nothing was written" in run.err


def test_ctrl_c_in_the_first_round_with_json_output_prints_json_and_what_may_have_been_written(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt_round(monkeypatch, at=1)

    run = cli("sweep", "--local", "--members", "2", "--yes", "-o", "json")

    assert run.code == 130 and run.json()["error"]["code"] == "Interrupted"
    assert "may already have been created" in run.err
