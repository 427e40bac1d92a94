"""The request body limit, at its edge: the README and the OpenAPI document promise 65,536 bytes (64 KiB). A body of
exactly that many bytes is served; one byte more is refused with 413 (rule max-size) before any cloud call, on every
POST route, counted in bytes (not characters) and after base64 decoding, and a direct invocation keeps the same
limit."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.api.conftest import call
from tests.api.test_router import envelope

if TYPE_CHECKING:
    from emr_bootstrap_cli.server import FunctionHTTPServer
    from emulator.local_fc import LocalFunctionCompute
    from emulator.testing import Emulator

LIMIT = 65_536  # written out: the documented figure, not the function's constant


def padded(document: dict[str, Any], size: int) -> bytes:
    """``document`` as JSON of exactly ``size`` bytes (UTF-8), padded with whitespace before its closing brace."""
    text = json.dumps(document, ensure_ascii=False)
    body = (text[:-1] + " " * (size - len(text.encode())) + "}").encode()
    assert len(body) == size and json.loads(body) == document
    return body


@pytest.fixture(scope="module")
def account(emu: Emulator) -> str:
    return emu.create_member_account("body-limit")


@pytest.mark.parametrize("path", ["/v1/bootstrap", "/v1/plan"])
def test_a_body_of_exactly_64_kib_is_served(server: FunctionHTTPServer, account: str, path: str) -> None:
    reply = call(server, "POST", path, padded({"accountIds": [account], "dryRun": True}, LIMIT))

    assert reply.status == 200
    assert [a["accountId"] for a in reply.body["accounts"]] == [account]


@pytest.mark.parametrize("path", ["/v1/bootstrap", "/v1/plan", "/v1/sweep", "/"])
def test_one_byte_over_64_kib_is_refused_with_413_before_any_cloud_call(
    emu: Emulator, server: FunctionHTTPServer, account: str, path: str
) -> None:
    mark = len(emu.calls)

    reply = call(server, "POST", path, padded({"accountIds": [account], "dryRun": True}, LIMIT + 1))

    assert reply.status == 413 and (reply.error["field"], reply.error["rule"]) == ("$", "max-size")
    assert emu.calls[mark:] == []


@pytest.mark.parametrize("path", ["/v1/bootstrap", "/v1/plan", "/v1/sweep", "/"])
def test_just_under_the_limit_a_body_is_judged_on_its_fields(server: FunctionHTTPServer, path: str) -> None:
    reply = call(server, "POST", path, padded({"accountIds": ["12ab"]}, LIMIT))

    assert reply.status == 400 and reply.error["rule"] != "max-size"


@pytest.mark.parametrize(("size", "status"), [(LIMIT, 400), (LIMIT + 1, 413)])
def test_the_limit_counts_bytes_not_characters(server: FunctionHTTPServer, size: int, status: int) -> None:
    # Two bytes a character: far fewer characters than bytes.
    text = json.dumps({"accountIds": ["1000000000000002"], "note": ""})
    note = "é" * ((size - len(text)) // 2)
    body = padded({"accountIds": ["1000000000000002"], "note": note}, size)
    assert len(body.decode()) < LIMIT

    reply = call(server, "POST", "/v1/plan", body)

    assert reply.status == status  # 400: the unknown field "note"; 413: the size


@pytest.mark.parametrize(("size", "status"), [(LIMIT, 400), (LIMIT + 1, 413)])
def test_a_base64_body_is_measured_after_decoding(function: LocalFunctionCompute, size: int, status: int) -> None:
    body = base64.b64encode(padded({"accountIds": ["12ab"]}, size)).decode()

    reply = function.invoke(envelope("POST", "/v1/plan", body, isBase64Encoded=True), handler="http_handler")

    assert reply["statusCode"] == status


def test_a_direct_invocation_keeps_the_same_limit(emu: Emulator, function: LocalFunctionCompute, account: str) -> None:
    request = {"accountIds": [account], "dryRun": True}

    served = function.invoke(padded(request, LIMIT))
    mark = len(emu.calls)
    refused = function.invoke(padded(request, LIMIT + 1))

    assert served["status"] == "succeeded" and served["accounts"][0]["accountId"] == account
    assert refused["status"] == "invalid" and refused["error"]["rule"] == "max-size"
    assert emu.calls[mark:] == []
