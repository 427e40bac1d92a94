"""``plan`` and ``apply`` over many accounts: the request runs in batches of accounts, one invocation each, so that
stderr can show how many are done (never stdout, which carries the table or the JSON; nothing with ``-q``). The
batches' results merge into one of the function's contract; up to one batch, the result is the function's own."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from typing import IO, TYPE_CHECKING, Any, Final

from emr_bootstrap.intake.jobs import BootstrapJob
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from emr_bootstrap_cli.options import state
from emr_bootstrap_cli.render import console
from emr_bootstrap_cli.sweep_view import merge_rounds

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from emr_bootstrap.core.request import BootstrapRequest

    from emr_bootstrap_cli.target import Target

BATCH: Final = 20  # accounts per invocation: small enough for the count to move, large enough to overlap well


def run(target: Target, request: BootstrapRequest, label: str) -> dict[str, Any]:
    """``request`` in batches of :data:`BATCH` accounts, with progress on stderr; the merged result."""
    ids = request.account_ids
    if len(ids) <= BATCH:
        return target.run(BootstrapJob(request)).to_dict()
    results = []
    with progress(sys.stderr, label, len(ids), quiet=state().quiet) as advance:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            results.append(target.run(BootstrapJob(dataclasses.replace(request, account_ids=chunk))).to_dict())
            advance(len(chunk))
    return merge_rounds(results)


@contextlib.contextmanager
def progress(stream: IO[str], label: str, total: int, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A bar on a terminal, a line per batch otherwise, nothing with ``quiet``; yields ``advance(accounts)``."""
    done = 0

    def line(n: int) -> None:
        nonlocal done
        done += n
        stream.write(f"{label}: {done}/{total} accounts\n")
        stream.flush()

    out = console(stream)
    if quiet:
        yield lambda n: None
    elif not out.is_terminal:
        yield line
    else:
        columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=out, transient=True) as bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)
