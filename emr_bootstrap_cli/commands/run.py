"""``plan`` and ``apply``: a request (README "Request") from arguments or a file, validated by the function's own
``parse_request``, run in-process by ``Application.run``: a dry run for ``plan``; for ``apply`` a dry run shown
first, a confirmation, then the run that writes."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from typing import IO, TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem
from emr_bootstrap.core.request import DRIFT_MODES, BootstrapRequest, parse_request
from emr_bootstrap.shared.errors import InvalidRequest

from emr_bootstrap_cli import batches, render
from emr_bootstrap_cli.errors import EXIT_CREDENTIALS, EXIT_FAILED, UsageProblem
from emr_bootstrap_cli.options import cloud_options, debug_option, local_option, output_option, say
from emr_bootstrap_cli.outcome import complaint, exit_code
from emr_bootstrap_cli.target import open_target

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from emr_bootstrap_cli.target import Target

REQUEST_HELP = "JSON request file (README 'Request'; - for stdin); arguments and options override its fields."


def _plan_files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Complete ``apply``'s argument as a file name (a saved plan); account IDs cannot be guessed."""
    return [CompletionItem(incomplete, type="file")]


def request_options(f: Callable[..., Any], *, plan_file: bool = False) -> Callable[..., Any]:
    """The request's arguments and options; ``plan_file``: the argument may also be one saved plan (apply)."""
    accounts = (
        click.argument("account_ids", nargs=-1, metavar="[ACCOUNT_ID]... | PLAN_FILE", shell_complete=_plan_files)
        if plan_file
        else click.argument("account_ids", nargs=-1, metavar="[ACCOUNT_ID]...")
    )
    for decorator in reversed(
        [
            accounts,
            click.option("--request", "request_file", type=click.File("r"), help=REQUEST_HELP),
            click.option("--emr-version", metavar="VERSION", help="EMR-5.16.0, 3.32.0, 5.16: picks the ECS role."),
            click.option("--feature", "features", multiple=True, metavar="NAME", help="costAnalysis, studio."),
            click.option("--role", "roles", multiple=True, metavar="NAME", help="Only these catalog roles."),
            click.option("--custom-ecs-role", metavar="NAME", help="Your own role replacing the ECS role."),
            click.option("--drift", type=click.Choice(DRIFT_MODES), help="repair restores drifted trust policies."),
            local_option,
            cloud_options,
            output_option,
            debug_option,
        ]
    ):
        f = decorator(f)
    return f


def request_object(request_file: IO[str] | None, example: str) -> dict[str, Any]:
    """The JSON object of ``--request FILE`` (empty without one); a :class:`UsageProblem` for anything else."""
    if request_file is None:
        return {}
    try:
        loaded = json.load(request_file)
    except ValueError as exc:
        raise UsageProblem(f"--request {request_file.name}: not JSON ({exc})", "Give a JSON object.") from exc
    if not isinstance(loaded, dict):
        raise UsageProblem(f"--request {request_file.name}: not a JSON object", example)
    return loaded


def build_request(
    account_ids: tuple[str, ...],
    request_file: IO[str] | None,
    *,
    emr_version: str | None,
    features: tuple[str, ...],
    roles: tuple[str, ...],
    custom_ecs_role: str | None,
    drift: str | None,
    dry_run: bool,
) -> BootstrapRequest:
    payload = request_object(request_file, 'E.g. {"accountIds": [...]}.')
    given = {
        "accountIds": list(account_ids),
        "emrVersion": emr_version,
        "features": list(features),
        "roles": list(roles),
        "customEcsRole": custom_ecs_role,
        "drift": drift,
    }
    payload.update({key: value for key, value in given.items() if value})
    try:
        request = parse_request(payload)
    except InvalidRequest as exc:
        hint = (
            "Name at least one account, e.g. emr-bootstrap plan 1234567890123456."
            if exc.rule == "required"
            else "README 'Request' lists every field and its rule."
        )
        raise UsageProblem(f"invalid request: {exc.message} (rule {exc.rule})", hint) from exc
    # plan never writes, apply always does: the command decides, whatever the file's dryRun says.
    return dataclasses.replace(request, dry_run=dry_run)


def show(result: Mapping[str, Any], output: str) -> int:
    """Print a result (the JSON, or a table); the exit code."""
    if output == "json":
        render.print_json(sys.stdout, result)
    else:
        render.result_table(render.console(sys.stdout), result)
    return conclude(result, output)


def conclude(result: Mapping[str, Any], output: str) -> int:
    """The exit code for a result already printed; with JSON on stdout, the line about it on stderr (a table
    already shows the errors and their hints, but not what to do about credentials)."""
    code = exit_code(result)
    said = complaint(result) if output == "json" or code == EXIT_CREDENTIALS else None
    if said is not None:
        message, hint = said
        err = render.console(sys.stderr)
        err.print(f"emr-bootstrap: {message}")
        if hint:
            err.print(f"  hint: {hint}")
    return code


def _run(target: Target, request: BootstrapRequest) -> dict[str, Any]:
    """The request's result; over many accounts in batches, with progress on stderr."""
    return batches.run(target, request, "plan" if request.dry_run else "apply")


@click.command()
@request_options
@click.option(
    "--out",
    "out_file",
    metavar="FILE",
    help="Also save the plan to FILE (JSON), for apply FILE to apply exactly it.",
)
def plan(
    account_ids: tuple[str, ...],
    request_file: IO[str] | None,
    local: bool,
    endpoint_url: str | None,
    profile: str | None,
    output: str,
    out_file: str | None,
    **fields: Any,
) -> int:
    """Show what apply would change in the named accounts (a dry run: reads only); --out saves it."""
    from emr_bootstrap_cli.commands import saved  # saved.py uses this module's helpers

    if out_file is not None and out_file.strip() in ("", "-"):
        raise UsageProblem("--out needs a file name (stdout carries the table or the JSON)", "E.g. --out plan.json.")
    request = build_request(account_ids, request_file, dry_run=True, **fields)
    with open_target(local=local, endpoint_url=endpoint_url, profile=profile, accounts=request.account_ids) as target:
        result = _run(target, request)
        if out_file is not None:
            saved.save_plan(out_file, request, result, target, local)
        return show(result, output)


@click.command()
@functools.partial(request_options, plan_file=True)
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.pass_context
def apply(
    ctx: click.Context,
    /,
    account_ids: tuple[str, ...],
    request_file: IO[str] | None,
    local: bool,
    endpoint_url: str | None,
    profile: str | None,
    output: str,
    yes: bool,
    **fields: Any,
) -> int:
    """Grant the missing EMR roles in the named accounts: shows the plan, asks, then writes. apply PLAN_FILE
    applies a plan saved by plan --out, if the cloud still matches it (no question: the file is the approval)."""
    from emr_bootstrap_cli.commands import saved

    if saved.is_plan_file(account_ids):
        return saved.apply_plan(
            ctx, account_ids[0], local=local, endpoint_url=endpoint_url, profile=profile, output=output
        )
    request = build_request(account_ids, request_file, dry_run=False, **fields)
    with open_target(local=local, endpoint_url=endpoint_url, profile=profile, accounts=request.account_ids) as target:
        planned = _run(target, dataclasses.replace(request, dry_run=True))
        # The plan is for the operator: on stdout as a table, on stderr when stdout carries JSON.
        render.result_table(render.console(sys.stderr if output == "json" else sys.stdout), planned)
        if exit_code(planned) != 0 and any(a["status"] == "failed" for a in planned["accounts"]):
            say("emr-bootstrap: the plan failed for some accounts; nothing was applied.")
            return show(planned, output) if output == "json" else exit_code(planned)
        changes = sum(len(role["changes"]) for a in planned["accounts"] for role in a["roles"])
        if changes == 0:
            say("emr-bootstrap: nothing to change.")
            return show(planned, output) if output == "json" else exit_code(planned)
        accounts = sum(any(role["changes"] for role in a["roles"]) for a in planned["accounts"])
        if not yes and not confirmed(f"Apply {count(changes, 'change')} in {count(accounts, 'account')}?", "apply"):
            say("emr-bootstrap: nothing was applied.")
            return EXIT_FAILED
        say(f"emr-bootstrap: applying {count(changes, 'change')} in {count(accounts, 'account')}")
        return show(_run(target, request), output)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def confirmed(question: str, command: str) -> bool:
    """The operator's yes (y or yes; anything else is no); a :class:`UsageProblem` (exit 2, nothing written) when
    no answer can come. Not click.confirm: it turns Ctrl-C into the same Abort as a closed stdin, and Ctrl-C must
    stay an interruption (exit 130)."""
    click.echo(f"{question} [y/N]: ", nl=False, err=True)
    answer = sys.stdin.readline()
    if not answer:  # end of input: stdin closed or not interactive
        click.echo("", err=True)
        raise UsageProblem(
            f"{command} asks for confirmation, and no answer came (stdin is closed): nothing was written",
            "Pass --yes to write without asking, after reviewing the plan above.",
        )
    return answer.strip().lower() in ("y", "yes")
