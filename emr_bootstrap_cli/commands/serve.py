"""``serve``: ``index.http_handler`` behind a real HTTP server on loopback, by default against a fresh embedded
emulator with a few member accounts, so that curl and a browser can use the API."""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

import click

from emr_bootstrap_cli.errors import EXIT_OK, UsageProblem
from emr_bootstrap_cli.options import cloud_options, debug_option
from emr_bootstrap_cli.server import FunctionHTTPServer, is_loopback
from emr_bootstrap_cli.target import open_target

if TYPE_CHECKING:
    from types import FrameType

    from emr_bootstrap_cli.target import Target


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any free port.")
@click.option(
    "--local/--no-local",
    default=True,
    show_default=True,
    help="--local: a fresh embedded emulator; --no-local: your credentials and endpoints.",
)
@click.option("--members", type=click.IntRange(0, 100), default=3, show_default=True, help="Members (--local).")
@click.option(
    "--caller-account-id",
    metavar="ID",
    help="requestContext.accountId of every request (FC sets the signer's account); default: the function's own.",
)
@cloud_options
@debug_option
def serve(
    host: str,
    port: int,
    local: bool,
    members: int,
    caller_account_id: str | None,
    endpoint_url: str | None,
    profile: str | None,
) -> int:
    """Serve the HTTP API (index.http_handler) on http://HOST:PORT until Ctrl-C."""
    if not is_loopback(host):
        raise UsageProblem(
            f"--host {host} is not a loopback address: the local server has no authentication",
            "Use --host 127.0.0.1 (or another 127.x.y.z address, or localhost).",
        )
    with open_target(
        local=local, endpoint_url=endpoint_url, profile=profile, members=members if local else 0
    ) as target:
        caller = caller_account_id or (target.own_account_id if local else target.caller_account())
        with target.function_environment():
            try:
                server = FunctionHTTPServer(
                    lambda event: _http_handler(target, event),
                    host=host,
                    port=port,
                    caller_account_id=caller or "",
                    log=lambda line: print(line, file=sys.stderr, flush=True),
                )
            except OSError as exc:
                raise UsageProblem(f"cannot listen on {host}:{port}: {exc.strerror}", "Pick another --port.") from exc
            _announce(server, target, caller or "")
            _serve_until_signalled(server)
    return EXIT_OK


def _http_handler(target: Target, event: bytes) -> dict[str, Any]:
    reply: dict[str, Any] = target.call_handler(event, "http_handler")
    return reply


def _announce(server: FunctionHTTPServer, target: Target, caller: str) -> None:
    lines = [f"emr-bootstrap serve: {server.url} (Ctrl-C stops it)"]
    if target.emulator is not None:
        lines += [
            f"  against {target.where}: nothing leaves this machine",
            f"  management account {target.emulator.management_account_id}: the function runs there, under the "
            "shipped role policy (deploy/policies/)",
            f"  member accounts: {', '.join(target.members) or '(none)'}",
        ]
    else:
        lines.append(f"  against {target.where}, as account {caller}")
    example = target.members[0] if target.members else "<account id>"
    lines += [
        f"  requests arrive signed by account {caller or '(none)'} (requestContext.accountId)",
        f"  try: curl -s {server.url}/v1/catalog",
        f"       curl -s -X POST {server.url}/v1/plan -H 'Content-Type: application/json' "
        f'-d \'{{"accountIds": ["{example}"]}}\'',
    ]
    print("\n".join(lines), flush=True)


def _serve_until_signalled(server: FunctionHTTPServer) -> None:
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
