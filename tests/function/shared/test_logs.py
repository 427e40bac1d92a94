"""JSON logs: one object per line, correlation fields kept, secrets never printed."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from emr_bootstrap.core.request import parse_request
from emr_bootstrap.shared.logs import REDACTED, configure_logging, get_logger

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


SECRETS = ("s3cr3t-value", "tok-value", "sig-value")


def _leaky_failure() -> None:
    """An SDK-like failure whose text carries every kind of secret, chained under another."""
    try:
        raise ValueError("request https://ram.example/?Signature=sig-value&SecurityToken=tok-value failed")
    except ValueError as cause:
        raise RuntimeError(
            "assume failed: {'AccessKeySecret': 's3cr3t-value', 'SecurityToken': 'tok-value'} Signature=sig-value"
        ) from cause


def test_a_traceback_logged_with_log_exception_shows_no_secret(captured: io.StringIO) -> None:
    try:
        _leaky_failure()
    except RuntimeError:
        get_logger("test").exception("unexpected error", extra={"requestId": "r"})

    text = captured.getvalue()
    (record,) = lines(captured)
    assert "Traceback" in str(record["exc_info"]) and "RuntimeError" in str(record["exc_info"])
    assert "ValueError" in str(record["exc_info"])  # the chained cause is there too, redacted as well
    assert REDACTED in str(record["exc_info"])
    for secret in SECRETS:
        assert secret not in text


def test_exc_info_and_a_stack_logged_at_any_level_show_no_secret(captured: io.StringIO) -> None:
    error = RuntimeError("AccessKeySecret=s3cr3t-value")
    # The stack shows this source line, comment included: Signature=sig-value SecurityToken=tok-value
    get_logger("test").warning("failed", exc_info=error, stack_info=True)  # Signature=sig-value SecurityToken=tok-value

    text = captured.getvalue()
    (record,) = lines(captured)
    assert "RuntimeError" in str(record["exc_info"]) and "test_logs.py" in str(record["stack_info"])
    for secret in SECRETS:
        assert secret not in text


def test_a_traceback_another_handler_already_rendered_is_redacted_too(captured: io.StringIO) -> None:
    record = logging.LogRecord("emr_bootstrap.test", logging.ERROR, __file__, 1, "failed", None, None)
    record.exc_text = "Traceback ...\nRuntimeError: SecurityToken=tok-value"  # cached by an earlier formatter

    logging.getLogger("emr_bootstrap").handle(record)

    assert "tok-value" not in captured.getvalue() and REDACTED in captured.getvalue()


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
    batch = (Path(__file__).resolve().parents[3] / "events" / "eventbridge-batch.json").read_bytes()

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
