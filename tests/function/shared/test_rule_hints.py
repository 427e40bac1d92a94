"""Every rule an invalid request can break is kebab-case and has its own hint, and the refusal carries it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from emr_bootstrap.intake.triggers import InvalidEvent
from emr_bootstrap.shared.errors import InvalidRequest, render_error
from emr_bootstrap.shared.rule_hints import FALLBACK_HINT, RULE_HINTS, rule_hint

SOURCE = Path(__file__).resolve().parents[3] / "function" / "emr_bootstrap"
KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Where rules are written in the source: InvalidRequest(field, "rule", ...), JsonRejected("rule", ...), and the
# HTTP API's own refusals, _refused(code, message, field, "rule").
WRITTEN = (
    re.compile(r"InvalidRequest\(\s*[^,()]+(?:\([^()]*\))?[^,()]*,\s*\"([^\"]+)\""),
    re.compile(r"JsonRejected\(\s*\"([^\"]+)\""),
    re.compile(r"_refused\([^()]*?,\s*\"([^\"]+)\"\)"),
)


def written_rules() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in WRITTEN:
            found.update(pattern.findall(text))
    return found


def event_rules() -> set[str]:
    classes, rules = [InvalidEvent], set()
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        rules.add(cls("why").rule)
    return rules


def test_the_scan_finds_rules_of_every_kind() -> None:
    rules = written_rules()

    assert {"account-id", "unknown-field", "duplicate-key", "media-type", "not-http-event", "token"} <= rules


def test_every_rule_in_the_source_is_kebab_case_and_has_its_own_hint() -> None:
    rules = written_rules() | event_rules()

    assert sorted(rule for rule in rules if not KEBAB.fullmatch(rule)) == []
    assert sorted(rules - set(RULE_HINTS)) == [], "add a hint per new rule to emr_bootstrap/shared/rule_hints.py"


def test_invalid_event_rules_are_the_kebab_case_of_the_class_names() -> None:
    assert {"malformed-http-event", "event-not-utf8", "event-too-large", "unrecognized-event"} <= event_rules()


@pytest.mark.parametrize("hint", RULE_HINTS.values())
def test_each_hint_is_one_line_that_ends_a_sentence(hint: str) -> None:
    assert "\n" not in hint and hint.endswith(".") and len(hint) <= 160


def test_an_invalid_request_renders_with_its_rules_hint_and_an_unknown_rule_still_gets_one() -> None:
    known = render_error(InvalidRequest("accountIds[0]", "account-id", "must be digits"))
    unknown = render_error(InvalidRequest("x", "a-rule-added-later", "broken"))

    assert known.to_dict()["hint"] == RULE_HINTS["account-id"]
    assert unknown.hint == FALLBACK_HINT == rule_hint(None)
