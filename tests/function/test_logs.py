"""JSON logs: one object per line, correlation fields kept, secrets never printed."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from emr_bootstrap.logs import REDACTED, configure_logging, get_logger
from emr_bootstrap.request import parse_request

from tests.function.fakes import FakeConnector, bootstrap, fast_settings


@pytest.fixture
def captured() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("DEBUG", stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_records_are_json_lines_with_correlation_fields(captured: io.StringIO) -> None:
    get_logger("test").info(
        "role %s",
        "created",
        extra={"requestId": "r", "accountId": "1", "roleName": "R", "outcome": "created", "durationMs": 3},
    )
    (record,) = lines(captured)
    assert record["message"] == "role created" and record["level"] == "INFO"
    assert {k: record[k] for k in ("requestId", "accountId", "roleName", "outcome", "durationMs")} == {
        "requestId": "r",
        "accountId": "1",
        "roleName": "R",
        "outcome": "created",
        "durationMs": 3,
    }


def test_secrets_tokens_and_signatures_are_redacted_everywhere(captured: io.StringIO) -> None:
    get_logger("test").warning(
        "assume failed: AccessKeySecret=s3cr3t-value SecurityToken: tok-value %s",
        'Signature="sig-value"',
        extra={
            "accessKeySecret": "s3cr3t-value",
            "securityToken": "tok-value",
            "credentials": {"AccessKeyId": "STS.id", "AccessKeySecret": "s3cr3t-value"},
            "headers": [{"Authorization": "ACS3-HMAC-SHA256 Credential=x,Signature=sig-value"}],
            "accountId": "1234567890123456",
        },
    )
    text = captured.getvalue()
    for secret in ("s3cr3t-value", "tok-value", "sig-value"):
        assert secret not in text
    (record,) = lines(captured)
    assert record["securityToken"] == REDACTED and record["accountId"] == "1234567890123456"
    assert REDACTED in str(record["message"])


def test_level_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMR_BOOTSTRAP_LOG_LEVEL", "warning")
    configure_logging(stream=io.StringIO())
    assert logging.getLogger("emr_bootstrap").level == logging.WARNING
    monkeypatch.setenv("EMR_BOOTSTRAP_LOG_LEVEL", "nonsense")
    configure_logging(stream=io.StringIO())
    assert logging.getLogger("emr_bootstrap").level == logging.INFO


def test_configure_is_idempotent_and_does_not_propagate_to_root() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    configure_logging()
    logger = logging.getLogger("emr_bootstrap")
    assert len([h for h in logger.handlers if getattr(h, "_emr_bootstrap", False)]) == 1
    assert logger.propagate is False


def test_a_run_logs_one_info_line_per_role_and_per_account(captured: io.StringIO) -> None:
    configure_logging("INFO", captured)
    bootstrap(
        parse_request({"accountIds": ["1234567890123456"]}),
        FakeConnector(),
        request_id="req-9",
        settings=fast_settings(),
    )
    records = lines(captured)
    roles = [r for r in records if "roleName" in r]
    accounts = [r for r in records if str(r["message"]).startswith("account")]
    assert len(roles) == 2 and len(accounts) == 1
    assert all(r["requestId"] == "req-9" for r in records)
    assert {r["outcome"] for r in roles} == {"created"}
    assert {r["action"] for r in roles} == {"CreateRole,AttachPolicyToRole"}
    assert all(isinstance(r["durationMs"], int) for r in roles)


def test_handler_logs_what_each_event_of_a_batch_led_to(captured: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    import index

    for variable in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"):
        monkeypatch.delenv(variable, raising=False)  # no credentials: the run stops before any cloud call
    batch = (Path(__file__).resolve().parents[2] / "events" / "eventbridge-batch.json").read_bytes()

    index.handler(batch, SimpleNamespace(request_id="req-batch", credentials=None, account_id="1000000000000001"))

    records = [r for r in lines(captured) if r["message"] in ("new account event", "event ignored")]
    assert [(r["message"], r.get("eventName")) for r in records] == [
        ("new account event", "CreateResourceAccount"),
        ("new account event", "CreateCloudAccount"),
        ("event ignored", "CreateFolder"),
    ]
    assert all(r["requestId"] == "req-batch" for r in records)
    assert records[0]["foundAt"] == "responseElements.Account.AccountId"
    assert records[2]["outcome"] == "unrelated-event" and "CreateFolder" in str(records[2]["reason"])
