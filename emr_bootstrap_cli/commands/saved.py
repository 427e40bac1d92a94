"""Saved plans, terraform-style: ``plan --out FILE`` writes the plan (``planfile.py``); ``apply FILE`` plans again,
refuses with the difference when the cloud no longer matches, and otherwise writes exactly the plan's changes, in
the plan's accounts that have any. A plan file is the approval, so ``apply FILE`` does not ask (as terraform's)."""

from __future__ import annotations

import dataclasses
import sys
from importlib import metadata
from typing import TYPE_CHECKING, Any, Final

import click
from click.core import ParameterSource

from emr_bootstrap_cli import batches, planfile, render
from emr_bootstrap_cli.commands.run import count, show
from emr_bootstrap_cli.errors import EXIT_FAILED, UsageProblem
from emr_bootstrap_cli.options import say
from emr_bootstrap_cli.outcome import exit_code
from emr_bootstrap_cli.target import open_target

if TYPE_CHECKING:
    from emr_bootstrap.core.request import BootstrapRequest

    from emr_bootstrap_cli.target import Target

# Options that would change the request a plan file fixes.
REQUEST_PARAMS: Final = ("request_file", "emr_version", "features", "roles", "custom_ecs_role", "drift")
INCOMPLETE: Final = ("failed", "not-attempted")


def is_plan_file(account_ids: tuple[str, ...]) -> bool:
    """``apply FILE``: one argument that is not an account ID (account IDs are digits only)."""
    return len(account_ids) == 1 and not account_ids[0].isdigit()


def identity(target: Target, local: bool) -> dict[str, Any]:
    """Where a plan was made: the embedded emulator, or these endpoints with the credentials of this account."""
    if local:
        return {"local": True, "accountId": target.own_account_id}
    return {"local": False, "endpoints": target.where, "accountId": target.caller_account()}


def tool() -> str:
    try:
        return f"emr-bootstrap {metadata.version('emr-bootstrap')}"
    except metadata.PackageNotFoundError:
        return "emr-bootstrap"


def save_plan(path: str, request: BootstrapRequest, result: dict[str, Any], target: Target, local: bool) -> None:
    """Write the plan to ``path``; refuse (nothing saved) when the plan is incomplete."""
    accounts = result.get("accounts", [])
    if result.get("status") in ("failed", "invalid") or any(a.get("status") in INCOMPLETE for a in accounts):
        say(f"emr-bootstrap: the plan is incomplete (some accounts failed); {path} was not written.")
        return
    plan = planfile.document(request, result, identity(target, local), tool())
    try:
        with click.open_file(path, "w", atomic=path != "-") as stream:
            planfile.save(stream, plan)
    except OSError as exc:
        raise UsageProblem(f"cannot write the plan to {path}: {exc.strerror}", "Pick a writable path.") from exc
    changes = count(plan["changes"], "change")
    say(f"emr-bootstrap: plan saved to {path} ({changes}); apply it: emr-bootstrap apply {path}")


def apply_plan(
    ctx: click.Context, path: str, *, local: bool, endpoint_url: str | None, profile: str | None, output: str
) -> int:
    for name in REQUEST_PARAMS:
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            option = next(p.opts[0] for p in ctx.command.params if p.name == name)
            raise UsageProblem(
                f"{option} cannot change a saved plan; nothing was written",
                "Apply the plan as it is, or save a new one with plan ... --out FILE.",
            )
    try:
        with click.open_file(path, "r") as stream:
            text = stream.read()
    except OSError as exc:
        raise UsageProblem(
            f"plan file {path}: cannot read it ({exc.strerror or exc}); nothing was written",
            "apply takes account IDs (10-20 digits) or a plan file saved by plan --out FILE.",
        ) from exc
    except UnicodeDecodeError as exc:
        raise UsageProblem(f"plan file {path}: not text (garbled); nothing was written", planfile.SAVE_AGAIN) from exc
    plan, request = planfile.load(path, text)
    with open_target(local=local, endpoint_url=endpoint_url, profile=profile, accounts=request.account_ids) as target:
        here = identity(target, local)
        if here != plan["target"]:
            raise UsageProblem(
                f"plan file {path} was made against {_where(plan['target'])}; this apply runs against {_where(here)}; "
                "nothing was written",
                "Apply it with the same credentials and --endpoint-url (or --local) as the plan.",
            )
        fresh = batches.run(target, dataclasses.replace(request, dry_run=True), "plan")
        shown = sys.stderr if output == "json" else sys.stdout
        render.result_table(render.console(shown), fresh)
        differences = planfile.differences(plan, fresh)
        if differences:
            return _outdated(path, plan, differences, output)
        accounts = planfile.with_changes(plan)
        if not accounts:
            say("emr-bootstrap: nothing to change; nothing was written.")
            return show(fresh, output) if output == "json" else exit_code(fresh)
        changes = f"{count(plan['changes'], 'change')} in {count(len(accounts), 'account')}"
        say(f"emr-bootstrap: applying the plan in {path}: {changes}")
        written = dataclasses.replace(request, account_ids=tuple(accounts), dry_run=False)
        return show(batches.run(target, written, "apply"), output)


def _where(target: Any) -> str:
    if not isinstance(target, dict):
        return "an unknown target"
    if target.get("local"):
        return "the embedded emulator (--local)"
    return f"account {target.get('accountId')} at {target.get('endpoints')}"


def _outdated(path: str, plan: dict[str, Any], differences: list[str], output: str) -> int:
    message = (
        f"the cloud no longer matches the plan in {path} (saved {plan.get('createdAt')}): "
        f"{count(len(differences), 'difference')}; nothing was written"
    )
    hint = "Review the table above, then save a new plan (plan ... --out FILE) and apply that."
    if output == "json":
        error = {"code": "PlanOutdated", "message": message, "hint": hint, "differences": differences}
        render.print_json(sys.stdout, {"status": "failed", "error": error})
    err = render.console(sys.stderr)
    for line in differences:
        err.print(f"  {line}")
    err.print(f"emr-bootstrap: error: {message}")
    err.print(f"  hint: {hint}")
    return EXIT_FAILED
