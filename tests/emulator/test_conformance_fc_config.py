"""FC 3.0 GetFunction, ListTriggers and GetAsyncInvokeConfig through the official ``alibabacloud-fc20230330`` client
only: the SDK's models read every field (names from models/_function.py, _trigger.py, _async_config.py), FC's
request-ID header, FC's error shape and codes, RAM authorization.

Sources: emulator/fc/config.py (each fact's source), docs/fc-notes.md §5.4.
"""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import TYPE_CHECKING

import pytest
from alibabacloud_fc20230330 import models as fc_models

from tests.emulator import sdk

if TYPE_CHECKING:
    from emulator.testing import Emulator

CONFIG = {"handler": "index.handler", "runtime": "python3.10", "timeout": 600, "memorySize": 1024, "role": "r"}
TIMER = {"cronExpression": "@every 5m", "enable": True, "payload": '{"action": "sweep"}'}


@pytest.fixture()
def name(emulator: Emulator) -> str:
    function = f"conf-{uuid.uuid4().hex[:10]}"
    emulator.create_function(
        emulator.management_account_id,
        function,
        config={**CONFIG, "role": f"acs:ram::{emulator.management_account_id}:role/conf"},
        triggers=[
            {"triggerName": f"t{n:02d}", "triggerType": "timer", "triggerConfig": json.dumps(TIMER)} for n in range(3)
        ],
        async_config={"maxAsyncRetryAttempts": 2, "destinationConfig": {"onFailure": {"destination": "acs:mns:q"}}},
    )
    return function


def test_get_function_answers_the_function_model(emulator: Emulator, name: str) -> None:
    response = sdk.fc(emulator).get_function(name, fc_models.GetFunctionRequest())

    function = response.body
    assert (function.function_name, function.handler, function.runtime) == (name, "index.handler", "python3.10")
    assert (function.timeout, function.memory_size) == (600, 1024)
    assert function.function_arn == f"acs:fc:cn-hangzhou:{emulator.management_account_id}:functions/{name}"
    assert function.role.endswith(":role/conf") and function.state == "Active"
    assert function.created_time.endswith("Z")
    assert response.headers["x-fc-request-id"].startswith("1-")


def test_list_triggers_answers_trigger_models_with_a_json_string_config(emulator: Emulator, name: str) -> None:
    body = sdk.fc(emulator).list_triggers(name, fc_models.ListTriggersRequest()).body

    assert [t.trigger_name for t in body.triggers] == ["t00", "t01", "t02"] and body.next_token is None
    assert {t.trigger_type for t in body.triggers} == {"timer"}
    assert json.loads(body.triggers[0].trigger_config) == TIMER
    assert body.triggers[0].qualifier == "LATEST"


def test_list_triggers_pages_with_limit_and_next_token_and_filters_by_prefix(emulator: Emulator, name: str) -> None:
    client = sdk.fc(emulator)
    first = client.list_triggers(name, fc_models.ListTriggersRequest(limit=2)).body
    rest = client.list_triggers(name, fc_models.ListTriggersRequest(limit=2, next_token=first.next_token)).body
    only = client.list_triggers(name, fc_models.ListTriggersRequest(prefix="t01")).body

    assert [t.trigger_name for t in first.triggers] == ["t00", "t01"] and first.next_token == "t02"
    assert [t.trigger_name for t in rest.triggers] == ["t02"] and rest.next_token is None
    assert [t.trigger_name for t in only.triggers] == ["t01"]


def test_an_out_of_range_limit_is_400_invalid_argument(emulator: Emulator, name: str) -> None:
    call = partial(sdk.fc(emulator).list_triggers, name, fc_models.ListTriggersRequest(limit=101))
    sdk.expect_error(call, 400, "InvalidArgument")


def test_get_async_invoke_config_answers_the_async_config_model(emulator: Emulator, name: str) -> None:
    body = sdk.fc(emulator).get_async_invoke_config(name, fc_models.GetAsyncInvokeConfigRequest()).body

    assert body.max_async_retry_attempts == 2
    assert body.destination_config.on_failure.destination == "acs:mns:q"
    assert body.function_arn.endswith(f":functions/{name}")


def test_a_function_without_async_config_is_404_async_config_not_exists(emulator: Emulator) -> None:
    emulator.create_function(emulator.management_account_id, "conf-no-async", exist_ok=True)
    call = partial(sdk.fc(emulator).get_async_invoke_config, "conf-no-async", fc_models.GetAsyncInvokeConfigRequest())
    error = sdk.expect_error(call, 404, "AsyncConfigNotExists")
    assert {"Code", "Message", "RequestId"} <= set(error.data)  # FC's error body (the SDK adds statusCode)


@pytest.mark.parametrize("read", ["get_function", "list_triggers", "get_async_invoke_config"])
def test_reading_an_unknown_function_is_404_function_not_found(emulator: Emulator, read: str) -> None:
    requests = {
        "get_function": fc_models.GetFunctionRequest(),
        "list_triggers": fc_models.ListTriggersRequest(),
        "get_async_invoke_config": fc_models.GetAsyncInvokeConfigRequest(),
    }
    call = partial(getattr(sdk.fc(emulator), read), "conf-nowhere", requests[read])
    error = sdk.expect_error(call, 404, "FunctionNotFound")
    assert error.data["Message"] == "function 'conf-nowhere' does not exist."


def test_an_unknown_qualifier_is_404(emulator: Emulator, name: str) -> None:
    call = partial(sdk.fc(emulator).get_function, name, fc_models.GetFunctionRequest(qualifier="nope"))
    sdk.expect_error(call, 404, "AliasNotFound")


def test_a_caller_without_fc_read_permission_is_403_access_denied(emulator: Emulator, name: str) -> None:
    key = emulator.create_user(
        emulator.management_account_id, f"conf-{uuid.uuid4().hex[:6]}", ["AliyunFCReadOnlyAccess"]
    )
    nobody = emulator.create_user(emulator.management_account_id, f"conf-{uuid.uuid4().hex[:6]}")
    call = partial(sdk.fc(emulator, nobody).get_function, name, fc_models.GetFunctionRequest())
    error = sdk.expect_error(call, 403, "AccessDenied")
    assert "fc:GetFunction" in error.data["Message"]
    assert sdk.fc(emulator, key).get_function(name, fc_models.GetFunctionRequest()).body.function_name == name
