"""EMR version parsing and ECS application role selection.

Boundaries from the EMR doc "Assign roles to an Alibaba Cloud account" (seed): the new role for versions later
than V3.32.0 / V4.5.0 and 5.x; the old one for V3.32.0 / V4.5.0 and earlier. 2.x → legacy and 6.x+ → current
are assumptions (see versions.py).
"""

from __future__ import annotations

import re

import pytest
from emr_bootstrap.core.versions import EcsRoleGeneration, EmrVersion, ecs_role_generation, parse_emr_version
from emr_bootstrap.shared.errors import InvalidRequest
from hypothesis import given
from hypothesis import strategies as st

LEGACY, CURRENT = EcsRoleGeneration.LEGACY, EcsRoleGeneration.CURRENT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EMR-5.16.0", EmrVersion(5, 16, 0)),
        ("emr-3.32.0", EmrVersion(3, 32, 0)),
        ("3.32.0", EmrVersion(3, 32, 0)),
        ("5.16", EmrVersion(5, 16, 0)),
        ("V4.5.0", EmrVersion(4, 5, 0)),
        ("EMR-3.35.0", EmrVersion(3, 35, 0)),  # CreateClusterV2 EmrVer example
    ],
)
def test_accepted_version_spellings(text: str, expected: EmrVersion) -> None:
    assert parse_emr_version(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "5",
        "EMR5.16.0",
        "EMR-5.16.0.1",
        " 5.16.0",
        "5.16.0 ",
        "latest",
        "EMR-x.1",
        "0.9.0",
        "5.1234.0",
        "-1.0",
        "\u0663.\u0663\u0662.0",
    ],
)
def test_bad_version_strings_are_request_errors_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_emr_version(text)
    assert (caught.value.field, caught.value.rule) == ("emrVersion", "emr-version")


@pytest.mark.parametrize(
    ("text", "generation"),
    [
        ("3.32.0", LEGACY),
        ("3.32", LEGACY),
        ("3.31.9", LEGACY),
        ("3.32.1", CURRENT),
        ("3.33.0", CURRENT),
        ("4.5.0", LEGACY),
        ("4.4.2", LEGACY),
        ("4.5.1", CURRENT),
        ("4.6.0", CURRENT),
        ("5.0.0", CURRENT),
        ("EMR-5.16.0", CURRENT),
        ("6.0.0", CURRENT),
        ("2.9.9", LEGACY),
        ("1.0.0", LEGACY),
    ],
)
def test_seed_doc_boundaries_select_the_ecs_application_role(text: str, generation: EcsRoleGeneration) -> None:
    assert ecs_role_generation(parse_emr_version(text)) is generation


def test_no_version_means_the_current_generation() -> None:
    assert ecs_role_generation(None) is CURRENT


versions = st.builds(EmrVersion, st.integers(1, 12), st.integers(0, 60), st.integers(0, 20))


@given(versions, versions)
def test_within_a_series_a_later_version_never_selects_the_older_role(a: EmrVersion, b: EmrVersion) -> None:
    if a.major == b.major and a < b and ecs_role_generation(a) is CURRENT:
        assert ecs_role_generation(b) is CURRENT


@given(st.integers(5, 99), st.integers(0, 999), st.integers(0, 999))
def test_any_5x_or_newer_selects_the_current_role(major: int, minor: int, patch: int) -> None:
    assert ecs_role_generation(EmrVersion(major, minor, patch)) is CURRENT


@given(versions, st.sampled_from(["EMR-", "emr-", "V", "v", ""]))
def test_printing_and_parsing_round_trips(version: EmrVersion, prefix: str) -> None:
    assert parse_emr_version(f"{prefix}{version.major}.{version.minor}.{version.patch}") == version
    assert parse_emr_version(str(version)) == version


# The accepted spellings, written independently of versions.py: an optional "EMR-" (any case) or "V"/"v", then
# major.minor[.patch] of 1-3 ASCII digits each, nothing around it; a major version of 0 is refused.
ACCEPTED = re.compile(r"(?:[Ee][Mm][Rr]-|[Vv])?([0-9]{1,3})\.([0-9]{1,3})(?:\.([0-9]{1,3}))?")
version_like_text = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"(EMR-|emr-|Emr-|V|v|x)?[0-9]{1,4}\.[0-9]{1,4}(\.[0-9]{1,4})?( )?", fullmatch=True),
)


@given(version_like_text)
def test_parsing_arbitrary_text_either_succeeds_or_raises_invalid_request(text: str) -> None:
    expected = ACCEPTED.fullmatch(text)
    try:
        parsed = parse_emr_version(text)
    except InvalidRequest as exc:
        assert (exc.field, exc.rule) == ("emrVersion", "emr-version")
        assert expected is None or int(expected.group(1)) == 0, text
        return
    assert expected is not None, text
    major, minor, patch = (int(part or 0) for part in expected.groups())
    assert parsed == EmrVersion(major, minor, patch)
    assert major >= 1
