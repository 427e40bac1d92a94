"""The settings of the event sweep, the qualifier and the missed-event report, as the operator who set them reads
the refusal: the variable, the value as read (at most 40 characters of it) and the rule it broke."""

from __future__ import annotations

import pytest
from emr_bootstrap.adapters.settings import (
    EVENT_SWEEP_COOLDOWN_VAR,
    MISSED_EVENT_AFTER_VAR,
    QUALIFIER_VAR,
    Settings,
    SettingsError,
    event_sweep_cooldown_s,
)

LONG = "9" * 30 + "x" * 30  # an unusable value longer than the refusal shows


def refused(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.code == "ConfigurationError"
    return str(caught.value)


@pytest.mark.parametrize(("value", "shown"), [("soon", "soon"), ("-1", "-1"), (LONG, LONG[:40])])
def test_an_unusable_cooldown_names_the_value_and_the_range_it_must_be_in(value: str, shown: str) -> None:
    with pytest.raises(SettingsError) as caught:
        event_sweep_cooldown_s({EVENT_SWEEP_COOLDOWN_VAR: value})
    assert str(caught.value) == f"{EVENT_SWEEP_COOLDOWN_VAR}={shown!r}: must be a number of seconds from 0 to 86400"


@pytest.mark.parametrize("value", ["7", "prod", "LATEST", "a" + "_-9" * 42])
def test_a_version_an_alias_or_latest_is_the_qualifier_invoked(value: str) -> None:
    assert Settings.from_env({QUALIFIER_VAR: f" {value} "}).qualifier == value


@pytest.mark.parametrize(("value", "shown"), [("prod alias", "prod alias"), ("-1", "-1"), (LONG, LONG[:40])])
def test_an_unusable_qualifier_names_the_value_and_what_it_must_be(value: str, shown: str) -> None:
    assert refused({QUALIFIER_VAR: value}) == (
        f"{QUALIFIER_VAR}={shown!r}: must be an FC version ID, an alias name or LATEST"
    )


def test_the_missed_event_report_accepts_one_minute_to_one_week() -> None:
    assert Settings.from_env({}).missed_event_after_minutes == 60
    assert Settings.from_env({MISSED_EVENT_AFTER_VAR: "1"}).missed_event_after_minutes == 1
    assert Settings.from_env({MISSED_EVENT_AFTER_VAR: "10080"}).missed_event_after_minutes == 7 * 24 * 60


@pytest.mark.parametrize("value", ["0", "10081", "1.5"])
def test_a_missed_event_threshold_outside_one_minute_to_one_week_is_refused_naming_the_range(value: str) -> None:
    assert refused({MISSED_EVENT_AFTER_VAR: value}) == (
        f"{MISSED_EVENT_AFTER_VAR}={value!r}: must be a whole number from 1 to 10080"
    )
