"""Resuming a sweep: the token carries the stopped sweep's options (``sweep_request.SweepRequest.options``), so an
option given next to ``--next-token`` is accepted only when it says what the token says; anything else would be
dropped, and is a usage error naming it. The resume hint is the operator's own command line with the new token."""

from __future__ import annotations

import shlex
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from emr_bootstrap.shared.errors import InvalidRequest
from emr_bootstrap.sweeps.sweep_request import parse_sweep_request

from emr_bootstrap_cli.errors import UsageProblem

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from emr_bootstrap.sweeps.sweep_request import SweepRequest

# The command-line option that sets each field of a sweep request.
OPTION_FIELDS: Final = {
    "--folder": "folderIds",
    "--account": "accountIds",
    "--exclude": "excludeAccountIds",
    "--changed-within": "changedWithinMinutes",
    "--dry-run": "dryRun",
    "--drift": "drift",
    "--emr-version": "emrVersion",
    "--feature": "features",
    "--role": "roles",
    "--custom-ecs-role": "customEcsRole",
}
RESUME_HINT: Final = "Resume with --next-token and no other sweep option, or with exactly the stopped sweep's options."


def parse(payload: Mapping[str, Any]) -> SweepRequest:
    try:
        return parse_sweep_request(payload)
    except InvalidRequest as exc:
        raise UsageProblem(
            f"invalid sweep: {exc.message} (rule {exc.rule})", "README 'Sweeps' lists the fields."
        ) from exc


def resumed(
    token: str, given: SweepRequest, options_given: Iterable[str], *, file_fields: Iterable[str] = ()
) -> SweepRequest:
    """The sweep ``token`` resumes; a :class:`UsageProblem` for an option (or a field of ``--request FILE``)
    given that differs from the token's."""
    request = parse({"action": "sweep", "nextToken": token})
    carried, wanted = request.options(), given.options()
    by_field = {field: option for option, field in OPTION_FIELDS.items()}
    for option in [*options_given, *(f"--request's {by_field.get(name, name)}" for name in file_fields)]:
        field = OPTION_FIELDS.get(option.removeprefix("--request's "))
        if field is not None and carried.get(field) != wanted.get(field):
            said = "a dry run" if field == "dryRun" else f"{field} {carried.get(field, '(not set)')}"
            raise UsageProblem(
                f"{option} differs from the sweep the token resumes ({said}); the token's options would win",
                RESUME_HINT,
            )
    return request


def as_dry_run(request: SweepRequest) -> SweepRequest:
    return replace(request, template=replace(request.template, dry_run=True))


def resume_command(prog: str, argv: Sequence[str], token: str | None) -> str:
    """``argv`` (every flag the operator gave) without its ``--next-token``, then ``--next-token token``."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--next-token":
            skip = True
            continue
        if arg.startswith("--next-token="):
            continue
        kept.append(arg)
    return shlex.join([prog, *kept, *(["--next-token", token] if token else [])])
