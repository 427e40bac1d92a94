"""How errors read in a result: cloud errors name the action that failed, unexpected ones name only their type
and where, settings errors keep the variable and the rule; and small value types the results rely on."""

from __future__ import annotations

import pytest
from emr_bootstrap import codes
from emr_bootstrap.errors import CloudError, ErrorInfo, InvalidRequest, SettingsError, render_error
from emr_bootstrap.scope import Scope
from emr_bootstrap.timing import Deadline
from emr_bootstrap.versions import parse_emr_version


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
