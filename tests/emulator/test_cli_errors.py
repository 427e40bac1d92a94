"""Bad command lines get one clear error line naming the cause and what to do, exit status 2, and no server."""

from __future__ import annotations

import socket

import pytest

from emulator.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--throttle-rate", "2"], "throttle_rate is a share of calls: between 0 and 1"),
        (["--drop-rate", "-0.1"], "drop_rate is a share of calls"),
        (["--latency-ms", "-5"], "latency_ms cannot be negative"),
        (["--host", "10.1.2.3"], "loopback only; use --host 127.0.0.1"),
        (["--state", "/nonexistent-folder/state.sqlite"], "check that its folder exists"),
        (["--function", "9-starts-with-a-digit"], "bad --function: invalid FC function name"),
    ],
)
def test_bad_command_line_is_refused_with_a_hint(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2

    captured = capsys.readouterr()
    assert captured.out == "", "no ready line may be printed for an emulator that is not running"
    assert captured.err.startswith("emr-bootstrap-emulator: error: ")
    assert expected in captured.err


def test_port_in_use_is_refused_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert main(["--port", str(port)]) == 2

    assert "pick another --port or 0" in capsys.readouterr().err
