"""The subcommands, one module each. :data:`COMMANDS` is the list ``main`` registers.

``sweep`` builds a ``SweepJob`` and runs it with ``target.run(job)`` like ``plan`` and ``apply`` do, in rounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emr_bootstrap_cli.commands.catalog import catalog
from emr_bootstrap_cli.commands.completion import completion
from emr_bootstrap_cli.commands.doctor import doctor
from emr_bootstrap_cli.commands.emulator import emulator
from emr_bootstrap_cli.commands.invoke import invoke
from emr_bootstrap_cli.commands.run import apply, plan
from emr_bootstrap_cli.commands.serve import serve
from emr_bootstrap_cli.commands.sweep import sweep

if TYPE_CHECKING:
    import click

COMMANDS: tuple[click.Command, ...] = (plan, apply, sweep, catalog, invoke, serve, emulator, doctor, completion)
