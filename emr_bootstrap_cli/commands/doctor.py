"""``doctor``: a read-only preflight of a real setup. Each check is printed with ✔ or ✖ (OK/FAIL when stdout cannot
take them) and, on failure, a one-line hint. Exit 0 when every check passed, 1 when one failed, 2 on a usage error.

It never writes: STS GetCallerIdentity and AssumeRole (with a read-only session policy), Resource Manager
GetResourceDirectory and ListAccounts, FC GetFunction, ListTriggers and GetAsyncInvokeConfig, RAM GetRole,
ListPoliciesForRole and GetPolicy; with ``--plan-sample N`` a dry run of N members (which only reads).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from emr_bootstrap.adapters.settings import Settings
from emr_bootstrap.core.request import parse_request
from emr_bootstrap.intake.jobs import BootstrapJob
from emr_bootstrap.shared.errors import InvalidRequest, SettingsError
from rich.text import Text

from emr_bootstrap_cli import deployment, fc_client, render
from emr_bootstrap_cli.commands.invoke_function import DEFAULT_REGION
from emr_bootstrap_cli.doctor_checks import FAIL, PASS, SKIP, Check, Doctor
from emr_bootstrap_cli.errors import EXIT_FAILED, EXIT_OK, CliError, UsageProblem
from emr_bootstrap_cli.options import cloud_options, debug_option, output_option
from emr_bootstrap_cli.outcome import exit_code
from emr_bootstrap_cli.target import open_target

if TYPE_CHECKING:
    from collections.abc import Iterator

    from emr_bootstrap_cli.target import Target

MARKS = {PASS: "✔", FAIL: "✖", SKIP: "-"}
ASCII_MARKS = {PASS: "OK", FAIL: "FAIL", SKIP: "SKIP"}


@click.command()
@click.option("--sample", default=3, show_default=True, type=click.IntRange(1, 100), metavar="N",
              help="Members in which to assume the access role (read-only session).")  # fmt: skip
@click.option("--plan-sample", default=0, type=click.IntRange(0, 100), metavar="N",
              help="Also plan (dry run) N members.")  # fmt: skip
@click.option("--region", envvar="ALIBABA_CLOUD_REGION_ID", metavar="R",
              help=f"The functions' region (default: ALIBABA_CLOUD_REGION_ID, else {DEFAULT_REGION}).")  # fmt: skip
@click.option("--s-yaml", "s_yaml", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help="Expected values from this s.yaml (default: the repository's, else built in).")  # fmt: skip
@cloud_options
@output_option
@debug_option
def doctor(
    sample: int,
    plan_sample: int,
    region: str | None,
    s_yaml: Path | None,
    endpoint_url: str | None,
    profile: str | None,
    output: str,
) -> int:
    """Check a deployment, reading only: credentials, directory, member access role, functions, role policies."""
    try:
        specs, source = deployment.expected(s_yaml)
    except (ImportError, KeyError, TypeError, ValueError) as exc:
        raise UsageProblem(f"cannot read the expected values from {s_yaml}: {exc}", "Give an fc3 s.yaml.") from exc
    checks = list(_run(specs, region or DEFAULT_REGION, sample, plan_sample, endpoint_url, profile))
    failed = sum(check.status == FAIL for check in checks)
    if output == "json":
        document = {
            "status": "failed" if failed else "passed",
            "expected": source,
            "checks": [c.to_dict() for c in checks],
        }
        render.print_json(sys.stdout, document)
    else:
        _print(checks, source, failed)
    return EXIT_FAILED if failed else EXIT_OK


def _run(
    specs: tuple[deployment.FunctionSpec, ...],
    region: str,
    sample: int,
    plan_sample: int,
    endpoint_url: str | None,
    profile: str | None,
) -> Iterator[Check]:
    try:
        with open_target(local=False, endpoint_url=endpoint_url, profile=profile) as target:
            settings = Settings.from_env(target.env)
            doctor = Doctor(target, settings, lambda: fc_client.endpoint(target, endpoint_url, region, invoke=False))
            yield doctor.credentials()
            yield doctor.directory()
            yield doctor.member_access(sample)
            for spec in specs:
                yield doctor.function(spec)
            for spec in specs:
                yield doctor.role_policies(spec)
            if plan_sample:
                yield _plan(target, doctor, plan_sample)
    except UsageProblem:
        raise
    except (CliError, SettingsError) as exc:  # no credentials: the first check fails, the others cannot run
        message = exc.message if isinstance(exc, CliError) else str(exc)
        yield Check("credentials", FAIL, render.one_line(message), getattr(exc, "hint", None))


def _plan(target: Target, doctor: Doctor, count: int) -> Check:
    name = "plan-sample"
    if not doctor.is_management or not doctor.members:
        return Check(name, SKIP, "no member to plan")
    try:
        request = parse_request({"accountIds": doctor.members[:count], "dryRun": True})
    except InvalidRequest as exc:
        return Check(name, FAIL, exc.message, "README 'Request'.")
    result: dict[str, Any] = target.run(BootstrapJob(dataclasses.replace(request, dry_run=True))).to_dict()
    line = render.summary_line(result).plain
    if exit_code(result) != EXIT_OK:
        return Check(name, FAIL, line, "Run emr-bootstrap plan on those accounts for the details.")
    return Check(name, PASS, line)


def _utf8(stream: Any) -> bool:
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return encoding == "utf8"


def _print(checks: list[Check], source: str, failed: int) -> None:
    marks = MARKS if _utf8(sys.stdout) else ASCII_MARKS
    out = render.console(sys.stdout)
    styles = {PASS: "green", FAIL: "bold red", SKIP: "dim"}
    for check in checks:
        line = Text(f"{marks[check.status]} ", style=styles[check.status])
        line.append(f"{check.name}: {check.detail}")
        render.emit(out, line)
        if check.status == FAIL and check.hint:
            render.emit(out, Text(f"    hint: {check.hint}", style="yellow"))
    render.emit(out, Text(f"expected values: {source}", style="dim"))
    summary = f"{len(checks) - failed} of {len(checks)} checks passed" if failed else f"all {len(checks)} checks passed"
    render.emit(out, Text(summary, style="bold red" if failed else "green"))
