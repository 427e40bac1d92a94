"""``sweep --next-token`` with the token of the largest sweep request the function accepts: the CLI resumes it,
with its options (a dry run stays one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emr_bootstrap.sweeps.sweep_request import Position, parse_sweep_request

from tests.api.test_sweep_token_over_http import largest_reaching
from tests.cli.conftest import writes_since

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.cli.conftest import Cli


def test_the_cli_resumes_the_largest_requests_token(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("cli-largest-token")
    token = parse_sweep_request(largest_reaching(member, emu.root_folder_id)).token(Position())
    mark = len(emu.calls)

    run = cli("sweep", "--next-token", token, "--yes", "-o", "json", *against)

    assert run.code == 0, run.err
    assert [a["accountId"] for a in run.json()["accounts"]] == [member] and run.json()["dryRun"] is True
    assert writes_since(emu, mark) == []
