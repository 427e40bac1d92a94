"""``invoke --function NAME``: the deployed function, invoked synchronously (FC 3.0 InvokeFunction) with the
operator's credentials; its reply printed like a local invocation's (same renderer, same exit codes).

A function that failed (FC answers 200 with ``x-fc-error-type``, docs/fc-notes.md §5.2) is a one-line error, exit 1.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

import click
from emr_bootstrap.shared.errors import CloudError

from emr_bootstrap_cli import fc_client, render
from emr_bootstrap_cli.errors import EXIT_OK, CliError, CredentialsProblem, UsageProblem
from emr_bootstrap_cli.options import say
from emr_bootstrap_cli.outcome import is_credential_problem
from emr_bootstrap_cli.target import Target, open_target

DEFAULT_REGION = "cn-hangzhou"  # s.yaml vars.region


def payload(event_file: IO[bytes] | None, request_file: IO[bytes] | None) -> bytes:
    """The event bytes: EVENT_FILE as is, or a request file (which must be a JSON object)."""
    if event_file is not None and request_file is not None:
        raise UsageProblem(
            "give EVENT_FILE or --request, not both", "--request FILE sends a request (README 'Request')."
        )
    if request_file is not None:
        raw = request_file.read()
        try:
            document = json.loads(raw)
        except ValueError as exc:
            raise UsageProblem(f"--request {request_file.name}: not JSON ({exc})", "Give a JSON object.") from exc
        if not isinstance(document, dict):
            raise UsageProblem(f"--request {request_file.name}: not a JSON object", 'E.g. {"accountIds": [...]}.')
        return raw
    if event_file is None:
        raise UsageProblem(
            "invoke --function needs an event: EVENT_FILE or --request FILE",
            'E.g. emr-bootstrap invoke --function emr-bootstrap-event --request req.json (req.json: {"accountIds": '
            '[...], "dryRun": true}).',
        )
    return event_file.read()


def run(
    function: str,
    *,
    qualifier: str | None,
    region: str | None,
    body: bytes,
    local: bool,
    endpoint_url: str | None,
    profile: str | None,
    output: str,
) -> int:
    from emr_bootstrap_cli.commands.invoke import named_accounts

    # --local: a fresh emulator whose FC runs the function, holding the accounts the event names as members.
    accounts = named_accounts(body) if local else []
    with open_target(local=local, endpoint_url=endpoint_url, profile=profile, accounts=accounts) as target:
        reply = _invoke(target, function, qualifier, region or DEFAULT_REGION, body, endpoint_url)
    if reply.error_type:
        raise CliError(
            f"the function {function} failed ({reply.error_type}): {_error_message(reply.body)}", _hint(reply)
        )
    say(f"emr-bootstrap: invoked {function}{f':{qualifier}' if qualifier else ''} [FC request {reply.request_id}]")
    return show(reply.body, output)


def _invoke(
    target: Target, function: str, qualifier: str | None, region: str, body: bytes, endpoint_url: str | None
) -> fc_client.Invocation:
    fc = fc_client.client(target, fc_client.endpoint(target, endpoint_url, region, invoke=True))
    try:
        return fc_client.invoke_sync(fc, function, qualifier, body)
    except CloudError as exc:
        message = f"InvokeFunction {function}: {exc.code}: {render.one_line(exc.message)}"
        if is_credential_problem(exc.code) or exc.code == "AccessDenied":
            raise CredentialsProblem(message, "The caller needs fc:InvokeFunction (AliyunFCInvocationAccess).") from exc
        if exc.code in ("FunctionNotFound", "AliasNotFound", "VersionNotFound"):
            raise CliError(message, "Check --function, --qualifier and --region (s.yaml: vars.region).") from exc
        raise CliError(message, "Check the endpoint (--endpoint-url, EMR_BOOTSTRAP_FC_ENDPOINT) and retry.") from exc


def _error_message(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return render.one_line(body.decode("utf-8", "replace")) or "no message"
    if isinstance(document, dict):
        return render.one_line(f"{document.get('errorType', 'Error')}: {document.get('errorMessage', '')}")
    return render.one_line(str(document))


def _hint(reply: fc_client.Invocation) -> str:
    return (
        f"The handler raised; its logs (s.yaml logConfig, request {reply.request_id}) have the traceback. "
        "Try the same event locally: emr-bootstrap invoke --local EVENT_FILE."
    )


def show(body: bytes, output: str) -> int:
    """A result JSON as the local handler's reply is shown; an FC3 HTTP reply ({statusCode, body}) likewise."""
    from emr_bootstrap_cli.commands.invoke import _show_reply

    text = body.decode("utf-8", "replace")
    try:
        document: Any = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict) and "statusCode" in document:
        return _show_reply(document, "http_handler", output)
    if isinstance(document, dict) and "summary" in document:
        return _show_reply(text, "handler", output)
    if output == "json" and document is not None:
        render.print_json(sys.stdout, document)
    else:
        click.echo(text)
    return EXIT_OK


def function_options(f: Any) -> Any:
    for decorator in reversed(
        [
            click.option("--function", metavar="NAME", help="Invoke the deployed function NAME (FC 3.0, sync)."),
            click.option("--qualifier", metavar="Q", help="With --function: its version or alias (default LATEST)."),
            click.option(
                "--region",
                envvar="ALIBABA_CLOUD_REGION_ID",
                metavar="R",
                help=f"With --function: its region (default: ALIBABA_CLOUD_REGION_ID, else {DEFAULT_REGION}).",
            ),
            click.option(
                "--request", "request_file", type=click.File("rb"), help="With --function: a JSON request file to send."
            ),
        ]
    ):
        f = decorator(f)
    return f


def checked_run(
    function: str | None,
    handler: str | None,
    event_file: IO[bytes] | None,
    request_file: IO[bytes] | None,
    **options: Any,
) -> int:
    """The usage rules of the --function form, then :func:`run`."""
    if function is None:
        raise UsageProblem("--qualifier, --region and --request go with --function NAME", "Add --function NAME.")
    if handler is not None:
        raise UsageProblem(
            "--handler is for local runs: FC runs the deployed function's own handler", "Drop --handler."
        )
    return run(function, body=payload(event_file, request_file), **options)
