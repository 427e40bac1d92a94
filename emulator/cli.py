"""``emr-bootstrap-emulator`` / ``python -m emulator``: serve on loopback, print a JSON ready line, stop on signals."""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import threading
from typing import TYPE_CHECKING, Any

from emulator.core.faults import FAULT_FIELDS, SERVER_ERRORS, THROTTLE_CODES, THROTTLE_STATUSES
from emulator.core.server import LOOPBACK
from emulator.harness import Emulator

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emr-bootstrap-emulator",
        description="Local RAM, STS, Resource Manager and FC InvokeFunction on loopback.",
    )
    parser.add_argument("--host", default=LOOPBACK, help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--state", metavar="FILE", help="keep state in this SQLite file across restarts")
    parser.add_argument("--seed", type=int, help="seed for the fault rates (reproducible runs)")
    parser.add_argument(
        "--function",
        action="append",
        metavar="NAME",
        help="register an FC function NAME in the management account (InvokeFunction of others: FunctionNotFound)",
    )
    faults = parser.add_argument_group("faults (for every action unless --fault-action is given)")
    faults.add_argument("--fault-action", action="append", metavar="ACTION", help="limit the faults to ACTION")
    faults.add_argument("--latency-ms", type=float, help="fixed latency added to each call")
    faults.add_argument("--throttle-rate", type=float, help="share of calls answered with a throttling error")
    faults.add_argument("--throttle-code", choices=sorted(THROTTLE_CODES), help="throttling code (Throttling.User)")
    faults.add_argument("--throttle-status", type=int, choices=THROTTLE_STATUSES, help="throttling status (400)")
    faults.add_argument("--retry-after-ms", type=int, help="send x-acs-retry-after with throttling errors")
    faults.add_argument("--error-rate", type=float, help="share of calls answered with a 5xx error")
    faults.add_argument("--error-code", choices=sorted(SERVER_ERRORS), help="which 5xx error")
    faults.add_argument("--drop-rate", type=float, help="share of calls dropped unanswered before they run")
    faults.add_argument(
        "--lost-response-rate", type=float, help="share of successful calls that run, then go unanswered"
    )
    faults.add_argument("--consistency-delay-ms", type=float, help="new roles/attachments hidden from reads")
    faults.add_argument("--quotas", action="store_true", help="enforce the published per-account API quotas")
    return parser


def fault_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The fault flags given, keyed by their FaultSettings field (each flag is named after its field)."""
    return {name: getattr(args, name) for name in sorted(FAULT_FIELDS) if getattr(args, name, None) is not None}


class StartupError(Exception):
    """The emulator cannot start; the message says why and what to do."""


def configure(args: argparse.Namespace) -> Emulator:
    """An emulator set up as the command line says, not serving yet (``start()`` or ``with`` serves it)."""
    try:
        emulator = Emulator(seed=args.seed, state_file=args.state, host=args.host, port=args.port)
    except ValueError as exc:  # a non-loopback --host
        raise StartupError(f"{exc}; use --host 127.0.0.1 (or another 127.x.y.z address)") from exc
    except sqlite3.Error as exc:
        raise StartupError(f"cannot open --state {args.state}: {exc}; check that its folder exists") from exc
    except OSError as exc:
        raise StartupError(f"cannot listen on {args.host}:{args.port}: {exc}; pick another --port or 0") from exc
    for name in args.function or []:
        try:
            emulator.create_function(emulator.management_account_id, name, exist_ok=True)
        except ValueError as exc:
            emulator.stop()
            raise StartupError(f"bad --function: {exc}") from exc
    settings = fault_settings(args)
    try:
        for action in args.fault_action or [None]:
            if settings:
                emulator.faults.set(action, **settings)
    except ValueError as exc:
        emulator.stop()
        raise StartupError(f"bad fault setting: {exc}") from exc
    if args.quotas:
        emulator.faults.enable_quotas(True)
    return emulator


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        emulator = configure(args)
    except StartupError as exc:
        print(f"emr-bootstrap-emulator: error: {exc}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    emulator.start()
    sys.stdout.write(emulator.ready_line() + "\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
