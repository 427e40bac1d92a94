"""``invoke EVENT_FILE``: run an FC handler on an event (e.g. one of events/), in this process, as FC would call it.

With ``--local`` the handler runs against a fresh embedded emulator whose management account is the samples'
placeholder 1000000000000001 (events/README.md) and which holds, as members with those very IDs, every account
the event names. The event is not rewritten: what runs is exactly the file. An event published by another account
is ignored, as it would be in the cloud.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any, Final

import click
from emr_bootstrap.core.request import ACCOUNT_ID
from emr_bootstrap.intake.events import parse_trigger
from emr_bootstrap.intake.triggers import DirectInvocation, HttpInvocation, NewAccountEvents
from emr_bootstrap.shared.errors import EventDeliveryFailed, InvalidRequest

from emr_bootstrap_cli import render
from emr_bootstrap_cli.commands import invoke_function
from emr_bootstrap_cli.commands.invoke_function import function_options
from emr_bootstrap_cli.commands.run import conclude, show
from emr_bootstrap_cli.errors import EXIT_FAILED, EXIT_OK, UsageProblem
from emr_bootstrap_cli.options import cloud_options, debug_option, local_option, output_option
from emr_bootstrap_cli.target import open_target

HANDLERS: Final = ("handler", "http_handler")


def named_accounts(raw: bytes) -> list[str]:
    """The account IDs an event asks about (new members, or a request's accountIds); none for unusable events."""
    try:
        trigger = parse_trigger(raw)
    except InvalidRequest:
        return []
    if isinstance(trigger, NewAccountEvents):
        return [account.account_id for account in trigger.accounts]
    payload: Any = None
    if isinstance(trigger, DirectInvocation):
        payload = trigger.payload
    elif isinstance(trigger, HttpInvocation):
        payload = trigger.body_payload
    ids = payload.get("accountIds") if isinstance(payload, dict) else None
    return [i for i in ids if isinstance(i, str) and ACCOUNT_ID.fullmatch(i)] if isinstance(ids, list) else []


def handler_for(raw: bytes) -> str:
    """http_handler for an FC3 HTTP trigger envelope (what the HTTP function receives), handler otherwise."""
    try:
        return "http_handler" if isinstance(parse_trigger(raw), HttpInvocation) else "handler"
    except InvalidRequest:
        return "handler"


@click.command()
@click.argument("event_file", type=click.File("rb"), metavar="[EVENT_FILE]", required=False)
@click.option(
    "--handler", type=click.Choice(HANDLERS), help="Default: http_handler for an HTTP trigger envelope, else handler."
)
@function_options
@local_option
@cloud_options
@output_option
@debug_option
def invoke(
    event_file: IO[bytes] | None,
    handler: str | None,
    local: bool,
    endpoint_url: str | None,
    profile: str | None,
    output: str,
    function: str | None = None,
    qualifier: str | None = None,
    region: str | None = None,
    request_file: IO[bytes] | None = None,
) -> int:
    """Run the FC handler on EVENT_FILE (- for stdin) and print its reply; with --function, invoke the deployed
    function NAME (FC InvokeFunction, synchronous) with your credentials instead."""
    if function is not None or qualifier or region or request_file is not None:
        return invoke_function.checked_run(
            function, handler, event_file, request_file, qualifier=qualifier, region=region, local=local,
            endpoint_url=endpoint_url, profile=profile, output=output,
        )  # fmt: skip
    if event_file is None:
        raise UsageProblem("missing EVENT_FILE", "E.g. emr-bootstrap invoke --local events/direct-invocation.json.")
    raw = event_file.read()
    handler = handler or handler_for(raw)
    accounts = named_accounts(raw) if local else []
    with open_target(local=local, endpoint_url=endpoint_url, profile=profile, accounts=accounts) as target:
        if local and target.members:
            click.echo(f"emr-bootstrap: members created in the emulator: {', '.join(target.members)}", err=True)
        with target.function_environment():
            try:
                reply = target.call_handler(raw, handler)
            except EventDeliveryFailed as exc:
                click.echo(f"emr-bootstrap: the handler raised EventDeliveryFailed: {exc}", err=True)
                click.echo("  hint: FC retries such an event; run it again once the cause has passed.", err=True)
                return EXIT_FAILED
    return _show_reply(reply, handler, output)


def _show_reply(reply: Any, handler: str, output: str) -> int:
    """``--output json``: the handler's reply exactly (handler: the result JSON text; http_handler: the FC3 reply
    dict). A table otherwise. The exit code comes from the result in either."""
    if handler == "handler":
        result = json.loads(reply)
        if output == "json":
            sys.stdout.write(f"{reply}\n")
            sys.stdout.flush()
            return conclude(result, output)
        return show(result, output)
    body = _body(reply)
    if output == "json":
        render.print_json(sys.stdout, reply)
        return conclude(body, output) if "summary" in body else EXIT_OK
    click.echo(f"HTTP {reply.get('statusCode')}")
    if "summary" in body:
        return show(body, output)
    render.print_json(sys.stdout, body)
    return EXIT_OK


def _body(reply: Any) -> dict[str, Any]:
    try:
        body = json.loads(reply.get("body") or "{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
