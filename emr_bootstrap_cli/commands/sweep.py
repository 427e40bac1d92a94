"""``sweep``: the whole Resource Directory (README "Sweeps"), in this process, in short rounds that each resume from
the last one's token, so that a progress bar can show the counts so far and Ctrl-C can stop between rounds and
print the token that resumes the sweep later."""

from __future__ import annotations

import sys
from typing import Any

import click
from emr_bootstrap.errors import InvalidRequest
from emr_bootstrap.jobs import SweepJob
from emr_bootstrap.request import DRIFT_MODES
from emr_bootstrap.sweep_request import parse_sweep_request

from emr_bootstrap_cli import sweep_view
from emr_bootstrap_cli.commands.run import show
from emr_bootstrap_cli.errors import EXIT_FAILED, UsageProblem
from emr_bootstrap_cli.options import cloud_options, debug_option, local_option, output_option
from emr_bootstrap_cli.target import open_target

# Each round is one invocation with this deadline: long enough to amortize the directory page, short enough for
# the bar to move and for Ctrl-C to take effect soon.
ROUND_S = 6.0


@click.command()
@click.option("--folder", "folder_ids", multiple=True, metavar="FOLDER_ID", help="Only accounts below this folder.")
@click.option("--account", "account_ids", multiple=True, metavar="ACCOUNT_ID", help="Only these accounts.")
@click.option("--exclude", "exclude_ids", multiple=True, metavar="ACCOUNT_ID", help="Never these accounts.")
@click.option("--changed-within", type=int, metavar="MINUTES", help="Only accounts that joined or changed since.")
@click.option("--dry-run", is_flag=True, help="Read only: show what a sweep would change.")
@click.option("--drift", type=click.Choice(DRIFT_MODES), help="repair restores drifted trust policies.")
@click.option("--next-token", metavar="TOKEN", help="Resume a sweep that was stopped.")
@click.option("--members", type=int, default=5, show_default=True, help="With --local: member accounts to create.")
@local_option
@cloud_options
@output_option
@debug_option
def sweep(
    folder_ids: tuple[str, ...],
    account_ids: tuple[str, ...],
    exclude_ids: tuple[str, ...],
    changed_within: int | None,
    dry_run: bool,
    drift: str | None,
    next_token: str | None,
    members: int,
    local: bool,
    endpoint_url: str | None,
    profile: str | None,
    output: str,
) -> int:
    """Sweep every member account of the Resource Directory (read-first), with a progress bar; Ctrl-C stops
    between rounds and prints the token that resumes."""
    payload: dict[str, Any] = {
        "action": "sweep",
        "folderIds": list(folder_ids) or None,
        "accountIds": list(account_ids) or None,
        "excludeAccountIds": list(exclude_ids) or None,
        "changedWithinMinutes": changed_within,
        "dryRun": dry_run or None,
        "drift": drift,
    }
    payload = {"action": "sweep", "nextToken": next_token} if next_token else payload
    try:
        request = parse_sweep_request(payload)
    except InvalidRequest as exc:
        raise UsageProblem(
            f"invalid sweep: {exc.message} (rule {exc.rule})", "README 'Sweeps' lists the fields."
        ) from exc
    with open_target(
        local=local, endpoint_url=endpoint_url, profile=profile, members=members if local else 0
    ) as target:
        rounds: list[dict[str, Any]] = []
        job = SweepJob(request)
        with sweep_view.progress(sys.stderr) as bar:
            try:
                while True:
                    result = target.run(job, timeout_s=ROUND_S).to_dict()
                    rounds.append(result)
                    bar.update(result)
                    token = result.get("nextToken")
                    if not token:
                        break
                    job = SweepJob(parse_sweep_request({"action": "sweep", "nextToken": token}))
            except KeyboardInterrupt:
                token = rounds[-1].get("nextToken") if rounds else next_token
                click.echo("\nemr-bootstrap: sweep stopped.", err=True)
                if token:
                    click.echo(f"  resume it: emr-bootstrap sweep --next-token {token}", err=True)
                return EXIT_FAILED
        return show(sweep_view.merge_rounds(rounds), output)
