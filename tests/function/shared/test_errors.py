"""How errors read in a result: cloud errors name the action that failed, unexpected ones name only their type
and where, settings errors keep the variable and the rule; and small value types the results rely on."""

from __future__ import annotations

import pytest
from emr_bootstrap.core.cloud import AccountInfo
from emr_bootstrap.core.result import Result
from emr_bootstrap.core.scope import Scope
from emr_bootstrap.core.versions import parse_emr_version
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import (
    CloudError,
    ErrorInfo,
    EventDeliveryFailed,
    InvalidRequest,
    SettingsError,
    render_error,
)
from emr_bootstrap.shared.rule_hints import RULE_HINTS
from emr_bootstrap.shared.timing import Deadline, ReconcileSettings

from tests.function.fakes import FakeClock


def test_a_cloud_error_names_the_action_only_when_there_is_one() -> None:
    error = CloudError("NoPermission", "denied", status=403, request_id="cloud-1")
    assert render_error(error) == ErrorInfo("NoPermission", "denied", codes.hint_for("NoPermission"), "cloud-1")
    assert render_error(error, action="GetRole").message == "GetRole: denied"


def test_an_unexpected_error_says_its_type_where_it_happened_and_what_to_do() -> None:
    hint = codes.hint_for("InternalError")
    assert hint is not None
    assert render_error(ValueError("secret text"), action="GetRole") == ErrorInfo(
        "InternalError", "unexpected ValueError during GetRole", hint
    )
    assert render_error(KeyError("secret")) == ErrorInfo("InternalError", "unexpected KeyError", hint)


def test_an_invalid_request_keeps_its_field_and_rule() -> None:
    assert render_error(InvalidRequest("roles[0]", "catalog-role", "nope")).to_dict() == {
        "code": "InvalidRequest",
        "message": "roles[0]: nope",
        "field": "roles[0]",
        "rule": "catalog-role",
        "hint": RULE_HINTS["catalog-role"],
    }


def test_a_settings_error_keeps_the_variable_and_the_rule() -> None:
    error = SettingsError("EMR_BOOTSTRAP_FANOUT", "x", "must be one of auto, always, never")
    assert (error.variable, error.rule, error.code) == (
        "EMR_BOOTSTRAP_FANOUT",
        "must be one of auto, always, never",
        "ConfigurationError",
    )


def test_a_deadline_after_some_seconds_counts_from_the_clock() -> None:
    deadline = Deadline.after(10.0, margin_s=2.0, clock=lambda: 100.0)
    assert (deadline.at, deadline.margin_s, deadline.remaining()) == (110.0, 2.0, 10.0)
    assert deadline.may_start()


def test_an_out_of_scope_account_says_which_rule_left_it_out() -> None:
    refusal = Scope(denied_accounts=frozenset({"1234567890"})).refuse_before_lookup("1234567890", None)
    assert refusal == ErrorInfo(
        "AccountOutOfScope",
        "account 1234567890 is out of scope: it is on the deny list (EMR_BOOTSTRAP_ACCOUNT_DENYLIST)",
        codes.hint_for("AccountOutOfScope"),
    )


def test_an_unusable_version_is_echoed_up_to_forty_characters() -> None:
    text = "v" * 50
    with pytest.raises(InvalidRequest) as caught:
        parse_emr_version(text, field="emrVersion")
    assert str(caught.value) == f'emrVersion: must look like "EMR-5.16.0", "3.32.0" or "5.16", got {"v" * 40!r}'


def test_a_version_zero_is_refused_naming_it() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_emr_version("0.5")
    assert str(caught.value) == "emrVersion: major version must be at least 1, got '0.5'"


def test_scope_refusals_say_which_rule_and_which_folder_path() -> None:
    hint = codes.hint_for("AccountOutOfScope")
    allowed = Scope(allowed_accounts=frozenset({"1111111111"}))
    assert allowed.refuse_before_lookup("1234567890", None) == ErrorInfo(
        "AccountOutOfScope",
        "account 1234567890 is out of scope: it is not on the allow list (EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST)",
        hint,
    )
    assert Scope().refuse_before_lookup("1234567890", "1234567890") == ErrorInfo(
        "ManagementAccountExcluded",
        "account 1234567890 is the management account of the Resource Directory",
        codes.hint_for("ManagementAccountExcluded"),
    )
    folders = Scope(allowed_folders=frozenset({"fd-a"}))
    tail = "has none of the allowed folders (EMR_BOOTSTRAP_ALLOWED_FOLDERS)"
    for path, folder, shown in (("rd/r-root/fd-b", "", "rd/r-root/fd-b"), ("", "fd-b", "fd-b"), ("", "", "(unknown)")):
        refusal = folders.refuse_after_lookup(AccountInfo("1234567890", "CreateSuccess", path=path, folder_id=folder))
        assert refusal == ErrorInfo(
            "AccountOutOfScope", f"account 1234567890 is out of scope: its folder path {shown} {tail}", hint
        )
    assert folders.refuse_after_lookup(AccountInfo("1234567890", "CreateSuccess", path="", folder_id="fd-a")) is None


def test_deadlines_start_nothing_once_only_the_margin_is_left() -> None:
    assert not Deadline(at=10.0, margin_s=5.0, clock=lambda: 5.0).may_start()
    assert Deadline(at=10.0, margin_s=5.0, clock=lambda: 4.9).may_start()
    clock = lambda: 7.0  # noqa: E731
    never = Deadline.never(clock)
    assert never.clock is clock and never.margin_s == 0.0 and never.remaining() == float("inf")


def test_elapsed_time_is_whole_milliseconds_never_negative() -> None:
    now = iter([1.5, 3.0, 1.0, 2.0])
    settings = ReconcileSettings(clock=lambda: next(now))
    assert settings.elapsed_ms(1.0) == 500
    assert settings.elapsed_ms(1.0) == 2000
    assert settings.elapsed_ms(1.0) == 0
    assert settings.elapsed_ms(3.0) == 0


def test_polling_with_less_than_a_second_left_still_waits_for_the_value() -> None:
    clock = FakeClock()
    settings = ReconcileSettings(propagation_timeout_s=0.5, clock=clock, sleep=clock.sleep)
    answers = iter([None, None, "seen"])
    assert settings.poll(lambda: next(answers)) == "seen"
    assert clock.sleeps == [0.1, 0.2]


def test_the_cloud_calls_a_run_made_are_in_its_summary() -> None:
    result = Result("succeeded", False, "r", cloud_calls={"calls": 3})
    assert result.to_dict()["summary"]["cloudCalls"] == {"calls": 3}


def test_a_failed_event_delivery_shows_fc_its_short_message_and_keeps_the_full_result_for_in_process_callers() -> None:
    # FC renders the raised exception's text; an onFailure destination gets nothing else.
    message = 'requestId r: accounts {"failed":1}; transient codes Throttling.User; FC will retry the delivery'
    error = EventDeliveryFailed(message, result={"status": "failed"})
    assert (str(error), error.message, error.result) == (message, message, {"status": "failed"})
    assert EventDeliveryFailed(message).result == {}
