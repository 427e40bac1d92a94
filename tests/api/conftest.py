"""HTTP API fixtures: the function's ``http_handler`` behind the CLI's local HTTP server, on a real loopback socket,
against a real emulator with the function's role deployed (as ``emr-bootstrap serve`` runs it)."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.api.statuses import REQUEST_ID_HEADER

from emr_bootstrap_cli.server import FunctionHTTPServer
from emulator.local_fc import LocalFunctionCompute
from emulator.testing import Emulator, bypass_proxies

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    bypass_proxies()
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def function(emu: Emulator) -> Iterator[LocalFunctionCompute]:
    # One call per SDK call: the fault scenarios answer at once instead of retrying with backoff.
    with LocalFunctionCompute(emu, extra_env={"EMR_BOOTSTRAP_MAX_ATTEMPTS": "1"}) as fc:
        yield fc


@pytest.fixture(scope="module")
def server(function: LocalFunctionCompute) -> Iterator[FunctionHTTPServer]:
    running = FunctionHTTPServer(
        lambda event: function.invoke(event, handler="http_handler"), caller_account_id=function.account_id
    ).start()
    yield running
    running.stop()


@pytest.fixture
def clean_faults(emu: Emulator) -> Iterator[None]:
    yield
    emu.faults.clear()


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.body["error"]
        return error


def call(
    server: FunctionHTTPServer,
    method: str,
    path: str,
    body: dict[str, Any] | bytes | None = None,
    *,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> Reply:
    """One request over a real socket. Every reply must be JSON carrying the request ID in its header and body."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=30)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    sent = {"Content-Type": content_type} if content_type is not None else {}
    connection.request(method, path, body=data, headers={**sent, **(headers or {})})
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(raw) if raw else {})
    assert reply.headers["content-type"] == "application/json"
    request_id = reply.headers[REQUEST_ID_HEADER]
    assert request_id and request_id in (reply.body.get("requestId"), reply.body.get("x-emr-bootstrap-request-id"))
    return reply


SetEnv = Callable[[str, str], None]


@pytest.fixture
def env_var(monkeypatch: pytest.MonkeyPatch) -> SetEnv:
    """Set a variable of the function's environment for one test (the handler reads os.environ per request)."""

    def setenv(name: str, value: str) -> None:
        monkeypatch.setitem(os.environ, name, value)

    return setenv
