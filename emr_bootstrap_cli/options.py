"""Options the subcommands share, and the state the error path reads (``--debug``)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

import click
from emr_bootstrap.shared.logs import LEVEL_VAR, LOGGER_NAME, configure_logging

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

F = TypeVar("F", bound="Callable[..., Any]")
OUTPUTS: Final = ("table", "json")


@dataclass
class State:
    """Per run: ``--debug`` (tracebacks on errors, the function's JSON logs on stderr), ``-q`` (no notes or
    progress on stderr), ``-v`` (the function's INFO logs on stderr), and the command line (for resume hints)."""

    debug: bool = False
    quiet: bool = False
    argv: tuple[str, ...] = ()

    def enable_debug(self, level: str = "DEBUG") -> None:
        self.debug = self.debug or level == "DEBUG"
        os.environ[LEVEL_VAR] = level  # the handlers call configure_logging(), which reads the level from here
        configure_logging(level, stream=sys.stderr)


def state() -> State:
    """This run's state (a default one outside a click context)."""
    ctx = click.get_current_context(silent=True)
    return ctx.ensure_object(State) if ctx is not None else State()


def say(message: str) -> None:
    """A note for the operator on stderr (what happens, what was not done); none with ``-q``."""
    if not state().quiet:
        click.echo(message, err=True)


@contextlib.contextmanager
def quiet_function_logs() -> Iterator[None]:
    """The function logs JSON on stdout; the CLI's stdout is its output. Silence those logs (``--debug`` sends them
    to stderr instead) and put the logger back as it was afterwards."""
    logger = logging.getLogger(LOGGER_NAME)
    saved = (logger.level, list(logger.handlers), logger.propagate, os.environ.get(LEVEL_VAR))
    silent = logging.NullHandler()
    silent._emr_bootstrap = True  # type: ignore[attr-defined]  # configure_logging() then adds no stdout handler
    logger.handlers = [silent]
    logger.propagate = False
    try:
        yield
    finally:
        logger.setLevel(saved[0])
        logger.handlers = saved[1]
        logger.propagate = saved[2]
        if saved[3] is None:
            os.environ.pop(LEVEL_VAR, None)
        else:
            os.environ[LEVEL_VAR] = saved[3]


def _enable_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(State).enable_debug()


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(State).quiet = True


def _set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.ensure_object(State).debug:
        ctx.ensure_object(State).enable_debug("INFO")


def verbosity_options(f: F) -> F:
    f = click.option(
        "--quiet", "-q", is_flag=True, expose_value=False, callback=_set_quiet, help="No notes or progress on stderr."
    )(f)
    return click.option(
        "--verbose",
        "-v",
        is_flag=True,
        expose_value=False,
        callback=_set_verbose,
        help="The function's JSON logs (INFO) on stderr.",
    )(f)


def debug_option(f: F) -> F:
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_enable_debug,
        help="Show tracebacks, and the function's JSON logs (DEBUG) on stderr.",
    )(f)


def output_option(f: F) -> F:
    return click.option(
        "--output",
        "-o",
        type=click.Choice(OUTPUTS),
        default="table",
        show_default=True,
        help="json: one JSON document on stdout (for plan, apply, sweep and invoke, exactly the result JSON the "
        "function returns; errors included).",
    )(f)


def local_option(f: F) -> F:
    return click.option(
        "--local",
        is_flag=True,
        help="Run against a fresh embedded emulator (management account 1000000000000001) holding the named "
        "accounts as members; nothing leaves this machine.",
    )(f)


def cloud_options(f: F) -> F:
    f = click.option(
        "--profile",
        envvar="ALIBABA_CLOUD_PROFILE",
        metavar="NAME",
        help="Credentials profile (~/.aliyun/config.json or credentials.ini); default: ALIBABA_CLOUD_PROFILE, "
        "else the environment keys, else the default chain.",
    )(f)
    return click.option(
        "--endpoint-url",
        metavar="URL",
        help="Send RAM, STS, Resource Manager (and, for invoke --function and doctor, FC) calls here (e.g. an "
        "emulator: http://127.0.0.1:PORT); default: "
        "the EMR_BOOTSTRAP_*_ENDPOINT variables, else the public endpoints.",
    )(f)
