"""``emulator``: the same program as ``emr-bootstrap-emulator`` (every argument is passed through)."""

from __future__ import annotations

import click


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def emulator(args: tuple[str, ...]) -> int:
    """Serve the local RAM/STS/Resource Manager/FC emulator (see emr-bootstrap emulator --help)."""
    from emulator.cli import main as emulator_main

    return emulator_main([*args])
