"""``completion bash|zsh|fish``: the shell completion script, click's own (the same as
``_EMR_BOOTSTRAP_COMPLETE=bash_source emr-bootstrap``), for ``eval`` in a shell's rc file as ``gh completion``."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_EMR_BOOTSTRAP_COMPLETE"


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> int:
    """Print the completion script for SHELL: add eval "$(emr-bootstrap completion bash)" to ~/.bashrc (zsh:
    ~/.zshrc; fish: emr-bootstrap completion fish | source, in config.fish)."""
    root = ctx.find_root()
    complete = get_completion_class(shell)
    assert complete is not None  # every choice is one of click's shells
    click.echo(complete(root.command, {}, root.info_name or "emr-bootstrap", COMPLETE_VAR).source())
    return 0
