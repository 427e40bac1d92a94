"""The largest sweep request the function accepts, resumed over HTTP: its token, sent back to ``POST /v1/sweep``,
fits the 64 KiB body and resumes the same sweep (same accounts, still a dry run)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emr_bootstrap.sweeps.sweep_request import Position, parse_sweep_request

from tests.api.conftest import call
from tests.cli.conftest import writes_since
from tests.function.sweeps.test_sweep_token_encoding import BODY_LIMIT, worst_case_request

if TYPE_CHECKING:
    from emr_bootstrap_cli.server import FunctionHTTPServer
    from emulator.testing import Emulator


def largest_reaching(member: str, folder: str) -> dict[str, Any]:
    """The worst case for the token's size, with ``member`` among its accounts and ``folder`` among its folders."""
    request = worst_case_request()
    del request["changedWithinMinutes"], request["customEcsRole"]  # both would keep the member out
    request["accountIds"] = [member, *request["accountIds"][1:]]
    request["folderIds"] = [folder, *request["folderIds"][1:]]
    return request


def test_the_largest_requests_token_resumes_the_sweep_over_http(emu: Emulator, server: FunctionHTTPServer) -> None:
    member = emu.create_member_account("largest-token")
    token = parse_sweep_request(largest_reaching(member, emu.root_folder_id)).token(Position())
    body = json.dumps({"nextToken": token}).encode()
    mark = len(emu.calls)

    reply = call(server, "POST", "/v1/sweep", body)

    assert len(body) <= BODY_LIMIT
    assert reply.status == 200, reply.body
    assert [a["accountId"] for a in reply.body["accounts"]] == [member] and reply.body["dryRun"] is True
    assert writes_since(emu, mark) == []
