"""Schemathesis against ``emr-bootstrap serve``'s server, from the OpenAPI document: no 5xx, and every reply
conforms (status documented, headers, content type, body schema); invalid input is refused with a 4xx; methods a
path does not document answer 405 with Allow. Bounded to stay well under a minute on two cores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from emr_bootstrap.api.routes import OPENAPI_PATH
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

if TYPE_CHECKING:
    from emr_bootstrap_cli.server import FunctionHTTPServer
    from emulator.testing import Emulator

schema = schemathesis.openapi.from_path(str(OPENAPI_PATH))
# Invalid data may also be refused for its size: a nextToken longer than its maxLength, beside other fields, can make
# the body larger than 64 KiB, which is 413 (documented on every POST route) before any field is read.
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "413"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
    allow_header_conformance,
]


@pytest.fixture(scope="module")
def base_url(emu: Emulator, server: FunctionHTTPServer) -> str:
    # The document's example account, 1000000000000002, is a member: some generated requests do real work (200).
    emu.create_member_accounts(3)
    return server.url


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_openapi_document(case: schemathesis.Case[Any], base_url: str) -> None:
    case.call_and_validate(base_url=base_url, checks=CHECKS)
