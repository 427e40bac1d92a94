"""The OpenAPI document describes the API exactly: it is valid OpenAPI 3.1, it names the routes of the route table
and no others, it documents every status a POST can answer, and its request schema accepts exactly what the
core's ``parse_request`` accepts."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest
from emr_bootstrap.api.routes import OPENAPI_PATH, ROUTES
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.core.request import parse_request
from emr_bootstrap.shared.errors import InvalidRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from tests.api.conftest import call

DOCUMENT: dict[str, Any] = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
REQUEST_SCHEMA = jsonschema_rs.validator_for(DOCUMENT["components"]["schemas"]["BootstrapRequest"])
POST_STATUSES = {"200", "207", "400", "403", "404", "413", "415", "500", "502", "503"}


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT)
    assert DOCUMENT["openapi"] == "3.1.0"


def test_the_document_and_the_route_table_name_the_same_operations_with_head_on_every_get_route() -> None:
    documented = {(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item}

    heads = {("HEAD", route.path) for route in ROUTES if route.method == "GET"}
    assert documented == {(route.method, route.path) for route in ROUTES} | heads


def test_post_routes_document_the_dry_run_query_parameter_and_get_routes_none() -> None:
    parameter = DOCUMENT["components"]["parameters"]["DryRun"]
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            refs = [p["$ref"] for p in operation.get("parameters", [])]
            assert refs == (["#/components/parameters/DryRun"] if method == "post" else []), (method, path)
    assert (parameter["name"], parameter["in"], parameter["schema"]["enum"]) == ("dryRun", "query", ["true", "false"])


def test_every_post_route_documents_every_status_it_can_answer() -> None:
    for path, item in DOCUMENT["paths"].items():
        if "post" in item:
            assert set(item["post"]["responses"]) == POST_STATUSES, path


def test_only_the_unversioned_route_is_deprecated() -> None:
    deprecated = [path for path, item in DOCUMENT["paths"].items() for op in item.values() if op.get("deprecated")]

    assert deprecated == ["/"]


def accepts(payload: dict[str, Any]) -> bool:
    try:
        parse_request(payload)
    except InvalidRequest:
        return False
    return True


CATALOG = load_catalog()
NAMES = [*CATALOG.names, *(n.lower() for n in CATALOG.names), *(n.upper() for n in CATALOG.names)]
TEXT = st.text(alphabet="0123456789abAZ.-_ \n", max_size=24)


def mostly(valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid three times in four, so that accepted requests are common and each rule is still probed."""
    return st.one_of(valid, valid, valid, invalid)


ACCOUNT_IDS = st.lists(st.from_regex(r"[0-9]{10,20}", fullmatch=True), min_size=1, max_size=3)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "emrVersion": mostly(
        st.one_of(st.none(), st.sampled_from(["EMR-5.16.0", "emr-3.32.0", "V4.5.0", "3.32", "001.2"])),
        st.one_of(
            st.from_regex(r"(EMR-|v|x)?[0-9]{1,4}\.[0-9]{1,4}(\.[0-9]{1,4})?\n?", fullmatch=True), TEXT, st.integers()
        ),
    ),
    "features": mostly(
        st.one_of(st.none(), st.lists(st.sampled_from(["studio", "costAnalysis"]), min_size=1, max_size=2)),
        st.lists(st.sampled_from(["studio", "costAnalysis", "Studio", "x"]), max_size=3),
    ),
    "roles": mostly(
        st.one_of(st.none(), st.lists(st.sampled_from(NAMES), min_size=1, max_size=5)),
        st.one_of(st.lists(st.sampled_from([*NAMES, "NoSuchRole"]), max_size=6), TEXT),
    ),
    "customEcsRole": mostly(
        st.one_of(st.none(), st.sampled_from(["MyEcsRole", "my.role-2", "x" * 64])),
        st.one_of(st.sampled_from([*NAMES, "bad name", "", "x" * 65]), TEXT),
    ),
    "dryRun": mostly(st.one_of(st.none(), st.booleans()), st.one_of(st.integers(0, 1), TEXT)),
    "drift": mostly(st.sampled_from([None, "report", "repair"]), st.sampled_from(["Repair", ""])),
    "strategy": mostly(st.sampled_from([None, "create-first", "read-first"]), st.sampled_from(["both", 1])),
}
payloads = st.fixed_dictionaries(
    {
        "accountIds": mostly(
            ACCOUNT_IDS,
            st.one_of(st.lists(st.one_of(st.from_regex(r"[0-9]{8,22}", fullmatch=True), TEXT, st.integers())), TEXT),
        )
    },
    optional={**FIELDS, "dryrun": st.booleans()},  # dryrun: an unknown field (wrong case)
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_the_request_schema_accepts_exactly_what_parse_request_accepts(payload: dict[str, Any]) -> None:
    assert REQUEST_SCHEMA.is_valid(payload) == accepts(payload), payload


@pytest.mark.parametrize(
    "payload",
    [
        {"accountIds": ["1000000000000002"], "roles": ["aliyunecsinstanceforemrrole"], "customEcsRole": "MyEcsRole"},
        {"accountIds": ["1000000000000002"], "customEcsRole": "ALIYUNEMRDEFAULTROLE"},
        {"accountIds": ["1000000000000002"], "emrVersion": "0.9"},
        {"accountIds": ["1000000000000002"], "emrVersion": "5.16\n"},
    ],
)
def test_the_request_schema_refuses_what_parse_request_refuses(payload: dict[str, Any]) -> None:
    assert not accepts(payload)
    assert not REQUEST_SCHEMA.is_valid(payload)


def test_the_served_document_is_the_repositorys_with_the_request_id(server: Any) -> None:
    reply = call(server, "GET", "/v1/openapi.json")

    served = dict(reply.body)
    assert served.pop("x-emr-bootstrap-request-id") == reply.headers["x-emr-bootstrap-request-id"]
    assert served == DOCUMENT
