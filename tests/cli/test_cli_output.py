"""What the CLI prints: the handler's exact JSON with --output json; a coloured table on a terminal, without
colour under NO_COLOR, and plain columns when stdout is not a terminal."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emulator.local_fc import LocalFunctionCompute
from tests.cli.conftest import EVENTS

if TYPE_CHECKING:
    from emulator.testing import Emulator
    from tests.cli.conftest import Cli

ESCAPE = "\x1b["
BOX = "╭"


def without_volatile(document: Any) -> Any:
    """The document with request IDs, durations and call counts (the CLI asks STS who it is) blanked, key order
    kept."""
    if isinstance(document, dict):
        volatile = ("requestId", "durationMs", "cloudCalls")
        return {k: "-" if k in volatile else without_volatile(v) for k, v in document.items()}
    if isinstance(document, list):
        return [without_volatile(item) for item in document]
    return document


def test_json_output_is_exactly_the_result_the_handler_returns(cli: Cli, emu: Emulator, against: list[str]) -> None:
    member = emu.create_member_account("same-json")
    request = {"accountIds": [member, "1999999999999999"], "features": ["costAnalysis"], "dryRun": True}

    run = cli("plan", member, "1999999999999999", "--feature", "costAnalysis", "--output", "json", *against)
    with LocalFunctionCompute(emu) as function:
        handler_text = function._index.handler(json.dumps(request).encode(), function.context())

    assert run.code == 0, run.err
    assert run.out.endswith("\n") and run.out.count("\n") == 1
    assert json.dumps(without_volatile(run.json())) == json.dumps(without_volatile(json.loads(handler_text)))


def test_invoke_json_output_is_the_handlers_reply_verbatim(cli: Cli) -> None:
    event = cli("invoke", "--local", "-o", "json", str(EVENTS / "direct-dry-run.json"))
    http = cli("invoke", "--local", "-o", "json", str(EVENTS / "http-invocation.json"))

    assert event.code == 0 and event.json()["schemaVersion"] == "1" and event.json()["dryRun"] is True
    reply = http.json()
    assert http.code == 0 and set(reply) == {"statusCode", "headers", "isBase64Encoded", "body"}
    assert (
        reply["statusCode"] == 200
        and json.loads(reply["body"])["requestId"] == reply["headers"]["x-emr-bootstrap-request-id"]
    )


def test_a_terminal_gets_a_boxed_table_in_colour(cli: Cli) -> None:
    run = cli("plan", "--local", "1000000000000002", tty=True)

    assert run.code == 0
    assert BOX in run.out and ESCAPE in run.out


def test_no_color_keeps_the_box_and_drops_every_escape_sequence(cli: Cli) -> None:
    run = cli("plan", "--local", "1000000000000002", tty=True, env={"NO_COLOR": "1"})

    assert run.code == 0
    assert BOX in run.out and ESCAPE not in run.out


def test_output_that_is_not_a_terminal_is_plain_columns(cli: Cli) -> None:
    run = cli("catalog")

    lines = run.out.splitlines()
    assert lines[0].split() == ["ROLE", "TRUSTS", "POLICY", "REQUIRED", "WHEN"]
    assert ESCAPE not in run.out and not any(ch in run.out for ch in "╭│─")
    assert all(line == line.rstrip() for line in lines)


def test_errors_go_to_stderr_as_one_line_and_a_hint_keeping_stdout_for_output(cli: Cli) -> None:
    run = cli("plan", "--local", "12ab")

    assert run.out == ""
    error, hint = run.err.splitlines()
    assert error.startswith("emr-bootstrap: error: invalid request: accountIds[0]") and "(rule account-id)" in error
    assert hint.startswith("  hint: ")


def test_plain_rows_name_the_account_on_every_row_and_explain_skips_below(cli: Cli) -> None:
    run = cli("plan", "--local", "1000000000000002", "1000000000000001")

    rows = [line.split() for line in run.out.splitlines()[1:4]]
    assert [row[:4] for row in rows] == [
        ["1000000000000002", "succeeded", "AliyunEMRDefaultRole", "planned"],
        ["1000000000000002", "succeeded", "AliyunECSInstanceForEMRRole", "planned"],
        ["1000000000000001", "skipped", "-", "-"],
    ]
    assert "1000000000000001: ManagementAccountExcluded: " in run.out
    assert "hint (ManagementAccountExcluded): " in run.out
