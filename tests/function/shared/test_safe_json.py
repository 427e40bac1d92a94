"""The hardened decoder as a hostile caller meets it: each refusal has its documented rule and a message that says
what was wrong, at exactly the documented limits (32 levels, 32-character numbers), anywhere in the document."""

from __future__ import annotations

import json

import pytest
from emr_bootstrap.shared.safe_json import JsonRejected, loads, shown


def rejected(text: str) -> tuple[str, str]:
    with pytest.raises(JsonRejected) as caught:
        loads(text)
    assert str(caught.value) == caught.value.message
    return caught.value.rule, caught.value.message


def nested(depth: int, *, dicts: bool = False) -> str:
    return '{"a":' * depth + "1" + "}" * depth if dicts else "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"dryRun": false, "dryRun": true}', ("duplicate-key", 'duplicate key "dryRun"; each key may appear once')),
        ("1" * 33, ("number-size", "a number of 33 characters; at most 32")),
        ("1." + "0" * 31, ("number-size", "a number of 33 characters; at most 32")),
        ("1e999", ("number-finite", '"1e999" is too large for a JSON number')),
        ("NaN", ("number-finite", "NaN is not a JSON number")),
        ("[-Infinity]", ("number-finite", "-Infinity is not a JSON number")),
        (nested(33), ("max-depth", "nested more than 32 levels deep")),
        (nested(33, dicts=True), ("max-depth", "nested more than 32 levels deep")),
        (nested(100_000), ("max-depth", "nested more than 32 levels deep")),
        ('"\\ud800"', ("utf-8", "a string holds a lone UTF-16 surrogate, which UTF-8 cannot carry")),
        ('{"\\udfff": 1}', ("utf-8", "a string holds a lone UTF-16 surrogate, which UTF-8 cannot carry")),
    ],
)
def test_each_refusal_has_its_rule_and_says_what_was_wrong(text: str, expected: tuple[str, str]) -> None:
    assert rejected(text) == expected


def test_a_deep_part_is_found_behind_strings_and_numbers_that_come_after_it() -> None:
    assert rejected(f'[{nested(32)}, "x"]')[0] == "max-depth"
    assert rejected(f"[{nested(32)}, 1]")[0] == "max-depth"
    assert rejected(f'{{"k": {nested(32)}, "s": "x"}}')[0] == "max-depth"
    assert rejected('["ok", "\\ud800", "ok"]')[0] == "utf-8"


def test_documents_at_the_limits_are_accepted_as_json_reads_them() -> None:
    assert loads(nested(32)) == json.loads(nested(32))
    assert loads(nested(32, dicts=True)) == json.loads(nested(32, dicts=True))
    assert loads("9" * 32) == int("9" * 32)
    assert loads("12") == 12 and isinstance(loads("12"), int)
    assert loads("1.5") == 1.5 and loads("1e2") == 100.0 and loads("1E2") == 100.0
    assert isinstance(loads("1E2"), float)
    assert loads('{"name": "Zoë", "é": ["ü"]}') == {"name": "Zoë", "é": ["ü"]}


def test_echoed_text_is_quoted_and_cut_after_forty_characters() -> None:
    assert shown("a" * 40) == '"' + "a" * 40 + '"'
    assert shown("b" * 41) == '"' + "b" * 41 + '..."'
    assert shown("c" * 500) == '"' + "c" * 41 + '..."'
    assert shown("é") == '"\\u00e9"'
