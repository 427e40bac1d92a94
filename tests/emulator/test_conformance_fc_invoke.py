"""FC 3.0 InvokeFunction through the official ``alibabacloud-fc20230330`` client only: async fan-out (202, request id,
the queued body byte for byte), sync, the payload limits, unknown functions, RAM authorization, signatures, faults.

Sources: emulator/fc/responses.py and emulator/fc/exceptions.py (each fact's page), docs/fc-notes.md §5.
"""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_tea_openapi.exceptions import ThrottlingException
from darabonba.core import DaraCore
from darabonba.exceptions import UnretryableException
from darabonba.runtime import RuntimeOptions

from emulator.cli import build_parser, configure
from emulator.fc.responses import ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT
from emulator.testing import trust_for_service
from tests.emulator import sdk

if TYPE_CHECKING:
    from collections.abc import Iterator

    from alibabacloud_fc20230330.client import Client as FcClient

    from emulator.fc.models import InvocationContext
    from emulator.testing import Emulator


@pytest.fixture(autouse=True)
def no_faults_after(emulator: Emulator) -> Iterator[None]:
    yield
    emulator.faults.clear()


@pytest.fixture()
def function(emulator: Emulator) -> str:
    name = f"sweep-{uuid.uuid4().hex[:10]}"
    emulator.create_function(emulator.management_account_id, name)
    return name


def invoke(
    client: FcClient, name: str, body: bytes, *, invocation_type: str | None = None, qualifier: str | None = None
) -> fc_models.InvokeFunctionResponse:
    request = fc_models.InvokeFunctionRequest(body=body, qualifier=qualifier)
    headers = fc_models.InvokeFunctionHeaders(x_fc_invocation_type=invocation_type)
    return client.invoke_function_with_options(name, request, headers, RuntimeOptions())


def read(response: fc_models.InvokeFunctionResponse) -> bytes:
    body: Any = response.body
    return body.read() if hasattr(body, "read") else bytes(body or b"")


def test_async_invocation_is_accepted_202_with_a_request_id_and_queued_byte_for_byte(
    emulator: Emulator, function: str
) -> None:
    event = json.dumps({"accounts": ["1000000000000002", "1000000000000003"], "page": 7}).encode()

    response = invoke(sdk.fc(emulator), function, event, invocation_type="Async", qualifier="LATEST")

    assert response.status_code == 202
    request_id = response.headers["x-fc-request-id"]
    assert request_id.startswith("1-") and len(request_id.split("-")) == 3
    [queued] = emulator.async_invocations(function)
    assert (queued.body, queued.request_id, queued.qualifier) == (event, request_id, "LATEST")
    assert queued.account_id == emulator.management_account_id and queued.invoked_at > 0


def test_drain_async_pops_the_queue_in_arrival_order(emulator: Emulator, function: str) -> None:
    client = sdk.fc(emulator)
    bodies = [f'{{"page": {i}}}'.encode() for i in range(5)]
    for body in bodies:
        invoke(client, function, body, invocation_type="Async")

    drained = emulator.drain_async(function)

    assert [i.body for i in drained] == bodies
    assert emulator.async_invocations(function) == [] and emulator.drain_async(function) == []


def test_sync_invocation_without_a_handler_answers_200_with_an_empty_body(emulator: Emulator, function: str) -> None:
    response = invoke(sdk.fc(emulator), function, b"{}")

    assert response.status_code == 200 and read(response) == b""
    assert response.headers["x-fc-request-id"].startswith("1-")
    assert emulator.async_invocations(function) == []


def test_sync_invocation_runs_the_registered_handler_with_the_exact_body(emulator: Emulator) -> None:
    seen: list[tuple[bytes, InvocationContext]] = []

    def handler(event: bytes, context: InvocationContext) -> dict[str, Any]:
        seen.append((event, context))
        return {"echo": json.loads(event), "qualifier": context.qualifier}

    emulator.create_function(emulator.management_account_id, "echo-sync", handler=handler, qualifiers=["prod"])
    response = invoke(sdk.fc(emulator), "echo-sync", b'{"n": 1}', invocation_type="Sync", qualifier="prod")

    assert json.loads(read(response)) == {"echo": {"n": 1}, "qualifier": "prod"}
    [(event, context)] = seen
    assert event == b'{"n": 1}' and context.request_id == response.headers["x-fc-request-id"]


def test_a_handler_that_raises_is_still_200_with_unhandled_invocation_error(emulator: Emulator) -> None:
    def handler(event: bytes, context: InvocationContext) -> bytes:
        raise RuntimeError("boom")

    emulator.create_function(emulator.management_account_id, "fails-sync", handler=handler)
    response = invoke(sdk.fc(emulator), "fails-sync", b"{}")

    assert response.status_code == 200
    assert response.headers["x-fc-error-type"] == "UnhandledInvocationError"
    body = json.loads(read(response))
    assert (body["errorMessage"], body["errorType"]) == ("boom", "RuntimeError")
    # One [file, line, function, code] list per frame, as FC's Python error-handling page shows.
    assert body["stackTrace"][-1] == [
        f'File "{__file__}"',
        body["stackTrace"][-1][1],
        "in handler",
        'raise RuntimeError("boom")',
    ]


def test_unknown_function_is_404_function_not_found(emulator: Emulator) -> None:
    error = sdk.expect_error(partial(invoke, sdk.fc(emulator), "no-such-function", b"{}"), 404, "FunctionNotFound")

    assert error.data["Message"] == "function 'no-such-function' does not exist."
    assert error.data["RequestId"].startswith("1-")


def test_unknown_qualifier_is_404_and_nothing_is_queued(emulator: Emulator, function: str) -> None:
    call = partial(invoke, sdk.fc(emulator), function, b"{}", invocation_type="Async", qualifier="nope")
    sdk.expect_error(call, 404, "AliasNotFound")
    assert emulator.async_invocations(function) == []


def test_async_body_over_128_kb_is_400_entity_too_large_and_128_kb_is_accepted(
    emulator: Emulator, function: str
) -> None:
    client = sdk.fc(emulator)
    assert invoke(client, function, b"x" * ASYNC_PAYLOAD_LIMIT, invocation_type="Async").status_code == 202

    call = partial(invoke, client, function, b"x" * (ASYNC_PAYLOAD_LIMIT + 1), invocation_type="Async")
    error = sdk.expect_error(call, 400, "EntityTooLarge")

    assert error.data["Message"] == "payload size exceeds maximum allowed size (131072 bytes)"
    assert len(emulator.async_invocations(function)) == 1


def test_sync_body_over_32_mb_is_400_entity_too_large(emulator: Emulator, function: str) -> None:
    call = partial(invoke, sdk.fc(emulator), function, b"x" * (SYNC_PAYLOAD_LIMIT + 1), invocation_type="Sync")
    error = sdk.expect_error(call, 400, "EntityTooLarge")
    assert error.data["Message"] == "payload size exceeds maximum allowed size (33554432 bytes)"


def test_a_ram_user_without_fc_invoke_function_gets_403_access_denied(emulator: Emulator, function: str) -> None:
    account = emulator.management_account_id
    reader = emulator.create_user(account, f"reader-{uuid.uuid4().hex[:8]}", ["AliyunFCReadOnlyAccess"])
    invoker = emulator.create_user(account, f"invoker-{uuid.uuid4().hex[:8]}", ["AliyunFCInvocationAccess"])

    call = partial(invoke, sdk.fc(emulator, reader), function, b"{}", invocation_type="Async")
    error = sdk.expect_error(call, 403, "AccessDenied")

    assert f"acs:fc:cn-hangzhou:{account}:functions/{function}" in error.data["Message"]
    assert emulator.async_invocations(function) == []
    assert invoke(sdk.fc(emulator, invoker), function, b"{}", invocation_type="Async").status_code == 202


def test_a_policy_scoped_to_one_function_allows_it_and_no_other(emulator: Emulator, function: str) -> None:
    account = emulator.management_account_id
    other = f"other-{uuid.uuid4().hex[:8]}"
    emulator.create_function(account, other)
    document = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "fc:InvokeFunction", "Resource": f"acs:fc:*:*:functions/{function}"}
        ],
    }
    policy = f"InvokeOne{uuid.uuid4().hex[:8]}"
    emulator.create_custom_policy(account, policy, document)
    user = emulator.create_user(account, f"scoped-{uuid.uuid4().hex[:8]}", [policy], policy_type="Custom")
    client = sdk.fc(emulator, user)

    assert invoke(client, function, b"{}", invocation_type="Async").status_code == 202
    sdk.expect_error(partial(invoke, client, other, b"{}", invocation_type="Async"), 403, "AccessDenied")


def test_the_functions_own_role_session_can_fan_out_to_itself(emulator: Emulator, function: str) -> None:
    account = emulator.management_account_id
    role = f"fc-role-{uuid.uuid4().hex[:8]}"
    emulator.create_role(account, role, trust_for_service("fc.aliyuncs.com"), ["AliyunFCInvocationAccess"])
    ak, secret, token = emulator.service_session(account, role, "fc.aliyuncs.com")

    response = invoke(sdk.fc(emulator, (ak, secret), token), function, b'{"page": 1}', invocation_type="Async")

    assert response.status_code == 202
    [queued] = emulator.async_invocations(function)
    assert queued.caller_arn == f"acs:ram::{account}:assumed-role/{role.lower()}/service"


def test_a_body_tampered_in_transit_is_403_signature_not_match(
    emulator: Emulator, function: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = DaraCore.do_action

    def tamper(request: Any, runtime: Any = None) -> Any:  # a man in the middle, after the SDK signed the body
        request.body = b'{"accounts": ["9999999999999999"]}'
        return original(request, runtime)

    monkeypatch.setattr(DaraCore, "do_action", staticmethod(tamper))
    call = partial(invoke, sdk.fc(emulator), function, b'{"accounts": []}', invocation_type="Async")
    error = sdk.expect_error(call, 403, "SignatureNotMatch")

    assert error.data["Message"].startswith("The request signature we calculated does not match")
    assert emulator.async_invocations(function) == []


def test_a_path_rewritten_in_transit_is_403_signature_not_match(
    emulator: Emulator, function: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = f"other-{uuid.uuid4().hex[:8]}"
    emulator.create_function(emulator.management_account_id, other)
    original = DaraCore.do_action

    def redirect(request: Any, runtime: Any = None) -> Any:  # the signature covers the canonical URI
        request.pathname = request.pathname.replace(function, other)
        return original(request, runtime)

    monkeypatch.setattr(DaraCore, "do_action", staticmethod(redirect))
    call = partial(invoke, sdk.fc(emulator), function, b"{}", invocation_type="Async")
    sdk.expect_error(call, 403, "SignatureNotMatch")
    assert emulator.async_invocations(other) == []


def test_an_fc_api_the_emulator_does_not_serve_is_400_path_not_supported(emulator: Emulator, function: str) -> None:
    # InvokeFunction and three reads are emulated; any other FC 2023-03-30 path gets FC's own routing error.
    call = partial(sdk.fc(emulator).get_function_code, function, fc_models.GetFunctionCodeRequest())
    error = sdk.expect_error(call, 400, "PathNotSupported")
    assert error.data["Message"] == f"'GET' against '/2023-03-30/functions/{function}/code' is not supported"


def test_an_unknown_access_key_is_403_invalid_access_key_id(emulator: Emulator, function: str) -> None:
    call = partial(invoke, sdk.fc(emulator, ("LTAIunknownunknownunkn", "secret")), function, b"{}")
    error = sdk.expect_error(call, 403, "InvalidAccessKeyID")
    assert error.data["Message"] == "invalid access key ID 'LTAIunknownunknownunkn'"


def test_an_unknown_invocation_type_is_400_invalid_argument(emulator: Emulator, function: str) -> None:
    call = partial(invoke, sdk.fc(emulator), function, b"{}", invocation_type="Later")
    sdk.expect_error(call, 400, "InvalidArgument")


def test_throttling_fault_is_429_resource_exhausted_and_queues_nothing(emulator: Emulator, function: str) -> None:
    emulator.faults.set("InvokeFunction", throttle_rate=1.0)
    call = partial(invoke, sdk.fc(emulator), function, b"{}", invocation_type="Async")

    sdk.expect_error(call, 429, "ResourceExhausted")
    assert emulator.async_invocations(function) == []

    emulator.faults.set("InvokeFunction", retry_after_ms=50)  # x-acs-retry-after: the SDK's ThrottlingException
    with pytest.raises(ThrottlingException):
        call()


def test_server_error_fault_is_fcs_500_internal_server_error(emulator: Emulator, function: str) -> None:
    emulator.faults.set("InvokeFunction", error_rate=1.0, error_code="InternalError")
    call = partial(invoke, sdk.fc(emulator), function, b"{}", invocation_type="Async")
    error = sdk.expect_error(call, 500, "InternalServerError")
    assert error.data["Message"] == "an internal error has occurred. Please retry."


def test_lost_response_fault_queues_the_invocation_but_the_client_sees_a_transport_error(
    emulator: Emulator, function: str
) -> None:
    emulator.faults.set("InvokeFunction", lost_response_rate=1.0)

    with pytest.raises(UnretryableException):
        invoke(sdk.fc(emulator), function, b'{"page": 3}', invocation_type="Async")

    [queued] = emulator.async_invocations(function)  # the caller cannot tell: a retry would queue it twice
    assert queued.body == b'{"page": 3}'
    [record] = emulator.calls_for(action="InvokeFunction")[-1:]
    assert (record.service, record.code, record.response_lost) == ("FC", "OK", True)
    assert record.params["functionName"] == function and record.params["x-fc-invocation-type"] == "Async"


def test_dropped_connection_fault_queues_nothing(emulator: Emulator, function: str) -> None:
    emulator.faults.set("InvokeFunction", drop_rate=1.0)
    with pytest.raises(UnretryableException):
        invoke(sdk.fc(emulator), function, b"{}", invocation_type="Async")
    assert emulator.async_invocations(function) == []


def test_the_cli_registers_functions_named_on_the_command_line() -> None:
    with configure(build_parser().parse_args(["--function", "from-cli"])) as emu:
        assert invoke(sdk.fc(emu), "from-cli", b"{}", invocation_type="Async").status_code == 202
        sdk.expect_error(partial(invoke, sdk.fc(emu), "not-registered", b"{}"), 404, "FunctionNotFound")
