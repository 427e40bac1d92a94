"""Role-name rules (docs/alibaba-cloud.md §1.3: 1-64 of letters, digits, '.' and '-') as properties of the validator,
plus SDK checks that the wire applies the same validator."""

from __future__ import annotations

import string
from functools import partial

import pytest
from alibabacloud_ram20150501 import models as ram_models
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.core.errors import ApiError
from emulator.ram import validation
from emulator.testing import Emulator, trust_for_service
from tests.emulator import sdk

ALLOWED = string.ascii_letters + string.digits + ".-"
valid_names = st.text(alphabet=ALLOWED, min_size=1, max_size=64)
bad_chars = st.characters(blacklist_characters=ALLOWED, blacklist_categories=["Cs"])


@st.composite
def names_with_a_bad_character(draw: st.DrawFn) -> str:
    name = draw(st.text(alphabet=ALLOWED, max_size=63))
    position = draw(st.integers(min_value=0, max_value=len(name)))
    return name[:position] + draw(bad_chars) + name[position:]


def code_of(name: str) -> str | None:
    try:
        validation.role_name(name)
    except ApiError as error:
        return error.code
    return None


@given(valid_names)
def test_names_of_allowed_characters_up_to_64_are_accepted(name: str) -> None:
    assert code_of(name) is None


@given(names_with_a_bad_character())
def test_a_character_outside_the_set_is_invalid_chars(name: str) -> None:
    assert code_of(name) == "InvalidParameter.RoleName.InvalidChars"


@given(st.text(alphabet=ALLOWED, min_size=65, max_size=200))
def test_names_over_64_characters_are_a_length_error(name: str) -> None:
    assert code_of(name) == "InvalidParameter.RoleName.Length"


@settings(max_examples=25, deadline=None)
@given(st.one_of(valid_names, names_with_a_bad_character(), st.text(alphabet=ALLOWED, min_size=65, max_size=80)))
def test_the_wire_agrees_with_the_validator(shared_emulator: Emulator, name: str) -> None:
    ram = sdk.ram(shared_emulator)
    expected = code_of(name)
    call = partial(ram.get_role, ram_models.GetRoleRequest(role_name=name))
    if expected is None:
        # A valid name reaches the lookup: the role does not exist.
        sdk.expect_error(call, 404, "EntityNotExist.Role")
    else:
        sdk.expect_error(call, 400, expected)


@pytest.fixture(scope="module")
def shared_emulator(emulator: Emulator) -> Emulator:
    return emulator


def test_create_role_uses_the_same_rules(emulator: Emulator) -> None:
    ram = sdk.ram(emulator)
    trust = trust_for_service("emr.aliyuncs.com")
    for name, code in (
        ("bad name", "InvalidParameter.RoleName.InvalidChars"),
        ("a" * 65, "InvalidParameter.RoleName.Length"),
    ):
        request = ram_models.CreateRoleRequest(role_name=name, assume_role_policy_document=trust)
        sdk.expect_error(partial(ram.create_role, request), 400, code)
