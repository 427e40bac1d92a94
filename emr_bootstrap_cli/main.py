"""``emr-bootstrap``: ``main(argv) -> int`` and one error path (the model is pypa/build's ``main``).

Exit codes: 0 all good; 1 some accounts failed, drifted, were not attempted or are not ready (they need action), or
the operator declined, or a saved plan no longer matches; 2 a usage error (a bad command line, request, event file,
plan file or setting; a question nobody answered); 3 a credentials or permission problem; 130 interrupted (Ctrl-C).
An error is one line saying what went wrong and a hint, on stderr (with ``-o json`` also as a JSON document on
stdout); a traceback only with ``--debug``.
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
from emr_bootstrap_cli.errors import EXIT_CREDENTIALS, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, CliError
from emr_bootstrap_cli.options import State, debug_option, quiet_function_logs, verbosity_options

if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "emr-bootstrap"
INTERRUPTED_HINT = (
    "A write in progress may have created roles or attached policies; every command is idempotent: run it again to "
    "finish (plan first to see what is left)."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="emr-bootstrap", prog_name=PROG, message="%(prog)s %(version)s")
@verbosity_options
@debug_option
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Grant the E-MapReduce RAM roles to Resource Directory member accounts, idempotently.

    Runs the function's application layer in this process, with your credentials (the alibabacloud-credentials
    default chain; --profile picks a profile), or against a fresh embedded emulator with --local; `invoke
    --function` calls the deployed function, `doctor` checks a deployment.

    Exit codes: 0 all good; 1 an account failed or drifted, or you declined; 2 a usage error; 3 a credentials or
    permission problem; 130 interrupted. Shell completion: eval "$(emr-bootstrap completion bash)" (or zsh,
    fish).
    """
    ctx.ensure_object(State)


for _command in COMMANDS:
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); the exit code."""
    credentials.guard_ecs_metadata(os.environ)  # before alibabacloud_credentials is ever imported
    args = list(sys.argv[1:] if argv is None else argv)
    state = State(argv=tuple(args))
    json_wanted = wants_json(args)
    with quiet_function_logs():
        try:
            code = cli.main(args=args, prog_name=prog, standalone_mode=False, obj=state)
        except click.exceptions.Abort as exc:
            if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort: it is still 130
                _error("interrupted", INTERRUPTED_HINT, EXIT_INTERRUPTED, json_wanted=json_wanted)
                return EXIT_INTERRUPTED
            _error(
                "aborted",
                "Nothing more was done; run the command again when ready.",
                EXIT_FAILED,
                json_wanted=json_wanted,
            )
            return EXIT_FAILED
        except click.ClickException as exc:  # one line and a hint, like every other refusal
            usage = exc.ctx.command_path if isinstance(exc, click.UsageError) and exc.ctx else prog
            _error(exc.format_message(), f"See '{usage} --help'.", EXIT_USAGE, json_wanted=json_wanted)
            return EXIT_USAGE
        except CliError as exc:
            if state.debug:
                traceback.print_exc()
            _error(exc.message, exc.hint, exc.exit_code, json_wanted=json_wanted)
            return exc.exit_code
        except SystemExit as exc:  # the emulator's argparse exits on --help and on usage errors
            return exc.code if isinstance(exc.code, int) else EXIT_FAILED
        except KeyboardInterrupt:
            _error("interrupted", INTERRUPTED_HINT, EXIT_INTERRUPTED, json_wanted=json_wanted)
            return EXIT_INTERRUPTED
        except Exception as exc:
            if state.debug:
                traceback.print_exc()
            _error(
                f"unexpected {type(exc).__name__}: {exc}",
                "This is a bug: re-run with --debug for the traceback, and report it.",
                EXIT_FAILED,
                json_wanted=json_wanted,
            )
            return EXIT_FAILED
    return code if isinstance(code, int) else EXIT_OK


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for ``-o json`` (read from argv: a usage error may come before the option
    is parsed)."""
    for index, arg in enumerate(args):
        if arg in ("-o", "--output") and index + 1 < len(args) and args[index + 1] == "json":
            return True
        if arg in ("-ojson", "--output=json"):
            return True
    return False


ERROR_CODES = {EXIT_USAGE: "InvalidUsage", EXIT_CREDENTIALS: "CredentialsProblem", EXIT_INTERRUPTED: "Interrupted"}


def _json_error(message: str, hint: str | None, exit_code: int) -> None:
    """With ``-o json`` stdout always carries a JSON document: an error too, in the result contract's shape."""
    error = {"code": ERROR_CODES.get(exit_code, "Failed"), "message": render.one_line(message)}
    if hint:
        error["hint"] = hint
    render.print_json(sys.stdout, {"status": "invalid" if exit_code == EXIT_USAGE else "failed", "error": error})


def _error(message: str, hint: str | None, exit_code: int, *, json_wanted: bool) -> None:
    if json_wanted:
        _json_error(message, hint, exit_code)
    err = render.console(sys.stderr)
    line = Text(f"{PROG}: ")
    line.append("error: ", style="bold red")
    line.append(render.one_line(message))
    err.print(line)
    if hint:
        err.print(f"  hint: {hint}")


def entrypoint() -> None:
    """The console script."""
    raise SystemExit(main())
