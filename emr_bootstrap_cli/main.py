"""``emr-bootstrap``: ``main(argv) -> int`` and one error path (the model is pypa/build's ``main``).

Exit codes: 0 all good; 1 some accounts failed or drifted (or the operator declined); 2 a usage error (a bad
command line, request, event file or setting); 3 a credentials or permission problem. An error is one line saying
what went wrong and a hint, on stderr; a traceback only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import TYPE_CHECKING

import click
from rich.text import Text

from emr_bootstrap_cli import credentials, render
from emr_bootstrap_cli.commands import COMMANDS
from emr_bootstrap_cli.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError
from emr_bootstrap_cli.options import State, debug_option, quiet_function_logs

if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "emr-bootstrap"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@debug_option
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Grant the E-MapReduce RAM roles to Resource Directory member accounts, idempotently.

    Runs the function's application layer in this process, with your credentials (the alibabacloud-credentials
    default chain; --profile picks a profile), or against a fresh embedded emulator with --local.
    """
    ctx.ensure_object(State)


for _command in COMMANDS:
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit code."""
    credentials.guard_ecs_metadata(os.environ)  # before alibabacloud_credentials is ever imported
    state = State()
    args = list(sys.argv[1:] if argv is None else argv)
    with quiet_function_logs():
        try:
            code = cli.main(args=args, prog_name=prog, standalone_mode=False, obj=state)
        except click.exceptions.Abort:
            _error("aborted", None)
            return EXIT_FAILED
        except click.ClickException as exc:
            exc.show()
            return EXIT_USAGE
        except CliError as exc:
            if state.debug:
                traceback.print_exc()
            _error(exc.message, exc.hint)
            return exc.exit_code
        except SystemExit as exc:  # the emulator's argparse exits on --help and on usage errors
            return exc.code if isinstance(exc.code, int) else EXIT_FAILED
        except Exception as exc:
            if state.debug:
                traceback.print_exc()
            _error(
                f"unexpected {type(exc).__name__}: {exc}",
                "This is a bug: re-run with --debug for the traceback, and report it.",
            )
            return EXIT_FAILED
    return code if isinstance(code, int) else EXIT_OK


def _error(message: str, hint: str | None) -> None:
    err = render.console(sys.stderr)
    line = Text(f"{PROG}: ")
    line.append("error: ", style="bold red")
    line.append(message)
    err.print(line)
    if hint:
        err.print(f"  hint: {hint}")


def entrypoint() -> None:
    """The console script."""
    raise SystemExit(main())
