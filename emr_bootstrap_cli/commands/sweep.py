"""``sweep``: the whole Resource Directory (README "Sweeps"), in this process, in short rounds that each resume from
the last one's token, so that a progress bar can show the counts so far and Ctrl-C can stop between rounds.

Safe by default, like ``apply``: a sweep that would write first runs as a dry run, shows the plan and asks
(``--yes`` skips the question; no answer, e.g. stdin closed, writes nothing). A resume token carries its sweep's
options, dry run included (``resume.py``). Ctrl-C prints what finished, what may have been written, and the exact
command that resumes."""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING, Any

import click
from click.core import ParameterSource
from emr_bootstrap.core.request import DRIFT_MODES
from emr_bootstrap.intake.jobs import SweepJob
from emr_bootstrap.sweeps.sweep_request import parse_sweep_request

from emr_bootstrap_cli import render, resume, sweep_view
from emr_bootstrap_cli.commands.run import confirmed, count, request_object, show
from emr_bootstrap_cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, UsageProblem
from emr_bootstrap_cli.options import cloud_options, debug_option, local_option, output_option, say, state
from emr_bootstrap_cli.outcome import exit_code
from emr_bootstrap_cli.target import open_target

if TYPE_CHECKING:
    from emr_bootstrap.sweeps.sweep_request import SweepRequest

    from emr_bootstrap_cli.target import Target

# Each round is one invocation with this deadline: long enough to amortize the directory page, short enough for
# the bar to move and for Ctrl-C to take effect soon.
ROUND_S = 6.0


class Stopped(Exception):
    """Ctrl-C during a sweep: the rounds that finished, and the token that resumes after them."""

    def __init__(self, rounds: list[dict[str, Any]], token: str | None) -> None:
        super().__init__("interrupted")
        self.rounds = rounds
        self.token = token


@click.command()
@click.option("--folder", "folder_ids", multiple=True, metavar="FOLDER_ID", help="Only accounts below this folder.")
@click.option("--account", "account_ids", multiple=True, metavar="ACCOUNT_ID", help="Only these accounts.")
@click.option("--exclude", "exclude_ids", multiple=True, metavar="ACCOUNT_ID", help="Never these accounts.")
@click.option("--changed-within", type=int, metavar="MINUTES", help="Only accounts that joined or changed since.")
@click.option("--dry-run", is_flag=True, help="Read only: show what a sweep would change.")
@click.option("--drift", type=click.Choice(DRIFT_MODES), help="repair restores drifted trust policies.")
@click.option("--emr-version", metavar="VERSION", help="EMR-5.16.0, 3.32.0, 5.16: picks the ECS role.")
@click.option("--feature", "features", multiple=True, metavar="NAME", help="costAnalysis, studio.")
@click.option("--role", "roles", multiple=True, metavar="NAME", help="Only these catalog roles.")
@click.option("--custom-ecs-role", metavar="NAME", help="Your own role replacing the ECS role.")
@click.option(
    "--request",
    "request_file",
    type=click.File("r"),
    help="JSON sweep request file (README 'Sweeps'; - for stdin); options override its fields.",
)
@click.option("--next-token", metavar="TOKEN", help="Resume a stopped sweep (its options come with the token).")
@click.option("--yes", "-y", is_flag=True, help="Write without showing the plan and asking first.")
@click.option("--members", type=int, default=5, show_default=True, help="With --local: member accounts to create.")
@local_option
@cloud_options
@output_option
@debug_option
@click.pass_context
def sweep(
    ctx: click.Context,
    /,
    next_token: str | None,
    request_file: IO[str] | None,
    yes: bool,
    members: int,
    local: bool,
    endpoint_url: str | None,
    profile: str | None,
    output: str,
    **fields: Any,
) -> int:
    """Sweep every member account of the Resource Directory: plans first and asks before writing (--yes skips the
    question), with a progress bar; Ctrl-C prints what finished and the command that resumes."""
    from_file = _from_file(request_file)
    given = resume.parse({**from_file, **_payload(**fields)})
    request = given
    if next_token:
        options_given = [
            option
            for param in ctx.command.params
            if ctx.get_parameter_source(param.name or "") is ParameterSource.COMMANDLINE
            for option in param.opts[:1]
        ]
        request = resume.resumed(next_token, given, options_given, file_fields=from_file)
    with open_target(
        local=local, endpoint_url=endpoint_url, profile=profile, members=members if local else 0
    ) as target:
        writing = request.dry_run or yes  # the rounds below are the sweep itself, not its plan
        try:
            if not writing:
                planned = _rounds(target, resume.as_dry_run(request))
                if not _agreed(planned, output):
                    return exit_code(planned) or EXIT_FAILED
                writing = True
            result = _rounds(target, request)
        except Stopped as stopped:
            if not writing:  # stopped while planning: its token resumes the plan, not the sweep; start again
                stopped.token = None
            return _interrupted(ctx, stopped, request.dry_run or not writing, output)
    if result["sweep"].get("selected") == 0 and not result.get("error"):
        say("emr-bootstrap: no account matched the sweep's filters (folder, accounts, changed-within).")
    code = show(result, output)
    if result.get("nextToken"):
        command = resume.resume_command(ctx.find_root().info_name or "emr-bootstrap", state().argv, result["nextToken"])
        why = result["sweep"].get("stopped")
        say(f"emr-bootstrap: the sweep stopped ({why}); once the cause has passed, resume: {command}")
    return code


def _from_file(request_file: IO[str] | None) -> dict[str, Any]:
    """The fields of ``--request FILE`` (none without it); the options given next to it override them."""
    loaded = request_object(request_file, 'E.g. {"folderIds": ["fd-..."]}.')
    if "nextToken" in loaded:
        name = getattr(request_file, "name", "-")
        raise UsageProblem(f"--request {name}: holds a nextToken", "Resume with --next-token TOKEN.")
    return {key: value for key, value in loaded.items() if key != "action"}


def _payload(**fields: Any) -> dict[str, Any]:
    names = {
        "folder_ids": "folderIds",
        "account_ids": "accountIds",
        "exclude_ids": "excludeAccountIds",
        "changed_within": "changedWithinMinutes",
        "dry_run": "dryRun",
        "drift": "drift",
        "emr_version": "emrVersion",
        "features": "features",
        "roles": "roles",
        "custom_ecs_role": "customEcsRole",
    }
    payload = {names[key]: list(value) if isinstance(value, tuple) else value for key, value in fields.items()}
    return {"action": "sweep", **{key: value for key, value in payload.items() if value not in (None, False, [])}}


def _rounds(target: Target, request: SweepRequest) -> dict[str, Any]:
    """Every round of ``request`` until no token is left, merged; :class:`Stopped` on Ctrl-C."""
    rounds: list[dict[str, Any]] = []
    previous: str | None = None
    job = SweepJob(request)
    with sweep_view.progress(sys.stderr, quiet=state().quiet) as bar:
        try:
            while True:
                result = target.run(job, timeout_s=ROUND_S).to_dict()
                rounds.append(result)
                bar.update(result)
                token = result.get("nextToken")
                # Go on only after a deadline that moved the position; an error (a wrong key, a refused listing)
                # returns its token too, and going on would loop on it for ever.
                if not token or result.get("sweep", {}).get("stopped") != "deadline" or token == previous:
                    merged = sweep_view.merge_rounds(rounds)
                    return {**merged, "nextToken": token} if token else merged
                previous = token
                job = SweepJob(parse_sweep_request({"action": "sweep", "nextToken": token}))
        except KeyboardInterrupt:
            raise Stopped(rounds, rounds[-1].get("nextToken") if rounds else None) from None


def _agreed(planned: dict[str, Any], output: str) -> bool:
    """Show the plan (stdout as a table; stderr when stdout carries JSON) and ask."""
    render.result_table(render.console(sys.stderr if output == "json" else sys.stdout), planned)
    if planned.get("error") or any(a.get("status") == "failed" for a in planned["accounts"]):
        say("emr-bootstrap: the plan failed for some accounts; nothing was written.")
        return False
    changes = sum(len(role["changes"]) for a in planned["accounts"] for role in a["roles"])
    accounts = sum(any(role["changes"] for role in a["roles"]) for a in planned["accounts"])
    if changes == 0:
        say("emr-bootstrap: nothing to change; nothing was written.")
        return False
    if not confirmed(f"Write {count(changes, 'change')} in {count(accounts, 'account')}?", "sweep"):
        say("emr-bootstrap: nothing was written.")
        return False
    return True


def _interrupted(ctx: click.Context, stopped: Stopped, dry_run: bool, output: str) -> int:
    """What finished (table or JSON), what may have been written, and the command that resumes."""
    if stopped.rounds:
        merged = sweep_view.merge_rounds(stopped.rounds)
        if stopped.token:
            merged["nextToken"] = stopped.token
        if output == "json":
            render.print_json(sys.stdout, merged)
        else:
            render.result_table(render.console(sys.stdout), merged)
    elif output == "json":
        error = {
            "code": "Interrupted",
            "message": "the sweep was stopped during its first round",
            "hint": "The sweep is idempotent: run the command again (on stderr) to finish it.",
        }
        render.print_json(sys.stdout, {"status": "failed", "error": error})
    command = resume.resume_command(ctx.find_root().info_name or "emr-bootstrap", state().argv, stopped.token)
    finished = f"after {count(len(stopped.rounds), 'finished round')}"
    click.echo(f"\nemr-bootstrap: sweep stopped {finished}.", err=True)
    if dry_run:
        click.echo("  nothing was written (a dry run, or the plan before the question).", err=True)
    elif not stopped.rounds:
        click.echo(
            "  it stopped in its first round: roles may already have been created or policies attached in some "
            "accounts; the sweep is idempotent, so running it again finishes them (add --dry-run to see what is "
            "left).",
            err=True,
        )
    else:
        click.echo(
            "  the round in progress may have written to some of its accounts; resuming finishes them.", err=True
        )
    click.echo(f"  {'resume' if stopped.token else 'run again'}: {command}", err=True)
    return EXIT_INTERRUPTED
