"""A sweep request's lists at their documented edge (README and OpenAPI: at most 200 IDs each, so that any request
fits the 64 KiB body), through the application layer over fakes; and whatever sweep request the function
accepts, the token it hands back for the rest is accepted in turn."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import pytest
from emr_bootstrap.core.catalog import CATALOG_PATH, parse_catalog
from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.core.versions import parse_emr_version
from emr_bootstrap.shared.errors import InvalidRequest
from emr_bootstrap.sweeps.sweep_request import (
    MAX_IDS,
    MAX_TOKEN_CHARS,
    Position,
    SweepRequest,
    parse_sweep_batch,
    parse_sweep_request,
    read_token,
)

from tests.function.sweeps.test_sweep_resumption import MEMBERS, Chain

DOCUMENTED_MAX = 200  # written out: the documented figure, not the function's constant
FIELDS = ("accountIds", "excludeAccountIds", "folderIds")


def ids(field: str, count: int, *, longest: bool = False) -> list[str]:
    """``count`` distinct IDs of the kind ``field`` takes; ``longest``: of the longest form the function accepts."""
    if field == "folderIds":
        return [f"fd-{n:0{64 if longest else 10}d}" for n in range(count)]
    return [f"{n + 9 * 10**15:0{20 if longest else 16}d}" for n in range(count)]


@pytest.mark.parametrize("field", FIELDS)
def test_a_sweep_list_of_one_id_more_than_documented_is_refused_naming_the_field(field: str) -> None:
    chain = Chain(MEMBERS[:3])

    result = chain.invoke({"action": "sweep", field: ids(field, DOCUMENTED_MAX + 1)})

    assert result["status"] == "invalid" and result["error"]["field"] == field
    assert chain.connector.opened == []


def largest_request(members: list[str], *, longest: bool) -> dict[str, object]:
    """Every list full, the members selected by the include list and by their folder (the fake's root)."""
    chosen = [*members, *ids("accountIds", DOCUMENTED_MAX - len(members), longest=longest)]
    folders = [*ids("folderIds", DOCUMENTED_MAX - 1, longest=longest), "r-root"]
    excluded = [f"{n + 8 * 10**15:0{20 if longest else 16}d}" for n in range(DOCUMENTED_MAX)]
    return {
        "action": "sweep",
        "accountIds": chosen,
        "excludeAccountIds": excluded,
        "folderIds": folders,
        "dryRun": True,
        "features": ["costAnalysis", "studio"],
    }


def test_the_largest_sweep_request_of_real_sized_ids_is_resumed_by_its_tokens() -> None:
    members = MEMBERS[:3]
    chain = Chain(members)

    assert chain.run(largest_request(members, longest=False)) == members


def test_the_largest_sweep_request_accepted_is_resumed_by_its_tokens() -> None:
    members = MEMBERS[:3]
    chain = Chain(members)

    assert chain.run(largest_request(members, longest=True)) == members


# Sweep requests, resume tokens and fan-out batches as their callers meet them: each refusal names the field, the
# rule and the reason; a token carries exactly the sweep's options and position, and anything else offered as a
# token is refused saying why.
A, B = "1234567890123456", "6543210987654321"
KNOWN = (
    "['action', 'folderIds', 'accountIds', 'excludeAccountIds', 'changedWithinMinutes', 'nextToken', "
    "'emrVersion', 'features', 'roles', 'customEcsRole', 'dryRun', 'drift']"
)
IDS_RULE = f"must be a non-empty array of at most {MAX_IDS} strings"
WINDOW_RULE = "must be a whole number from 1 to 10080"


def refused(payload: dict[str, Any]) -> tuple[str, str, str]:
    with pytest.raises(InvalidRequest) as caught:
        parse_sweep_request(payload)
    error = caught.value
    assert str(error).startswith(f"{error.field}: ")
    return error.field, error.rule, str(error)[len(error.field) + 2 :]


def sweep(**fields: Any) -> dict[str, Any]:
    return {"action": "sweep", **fields}


def encode(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def token_document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"v": 1, "page": 2, "offset": 3, "options": {}, "continues": False}
    document.update(changes)
    return document


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (sweep(folderIDs=["fd-a"]), ("folderIDs", "unknown-field", f"unknown field; known fields are {KNOWN}")),
        (sweep(**{"z" * 40: 1}), ("z" * 40, "unknown-field", f"unknown field; known fields are {KNOWN}")),
        (sweep(**{"q" * 41: 1}), ("q" * 37 + "...", "unknown-field", f"unknown field; known fields are {KNOWN}")),
        ({}, ("action", "enum", 'must be "sweep"')),
        ({"action": "Sweep"}, ("action", "enum", 'must be "sweep"')),
        (
            sweep(nextToken="abc", dryRun=False),
            ("dryRun", "token-options", "a resumed sweep takes its options from nextToken only"),
        ),
        (sweep(changedWithinMinutes=0), ("changedWithinMinutes", "range", WINDOW_RULE)),
        (sweep(changedWithinMinutes=10081), ("changedWithinMinutes", "range", WINDOW_RULE)),
        (sweep(changedWithinMinutes=True), ("changedWithinMinutes", "range", WINDOW_RULE)),
        (sweep(changedWithinMinutes="5"), ("changedWithinMinutes", "range", WINDOW_RULE)),
        (sweep(changedWithinMinutes=2.5), ("changedWithinMinutes", "range", WINDOW_RULE)),
        (sweep(folderIds="fd-a"), ("folderIds", "type", IDS_RULE)),
        (sweep(folderIds=[]), ("folderIds", "type", IDS_RULE)),
        (sweep(folderIds=["fd-a"] * (MAX_IDS + 1)), ("folderIds", "type", IDS_RULE)),
        (sweep(folderIds=["fd-a", "fd-"]), ("folderIds[1]", "format", "must be a folder ID (fd-... or r-...)")),
        (sweep(folderIds=[7]), ("folderIds[0]", "format", "must be a folder ID (fd-... or r-...)")),
        (sweep(accountIds=[A, "123"]), ("accountIds[1]", "format", "must be an account ID of 10-20 digits")),
        (sweep(excludeAccountIds=["x"]), ("excludeAccountIds[0]", "format", "must be an account ID of 10-20 digits")),
        (sweep(excludeAccountIds=[]), ("excludeAccountIds", "type", IDS_RULE)),
        (sweep(drift="fix"), ("drift", "enum", "must be one of ['report', 'repair'], got \"fix\"")),
    ],
)
def test_an_unusable_sweep_request_is_refused_naming_field_rule_and_reason(
    payload: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    assert refused(payload) == expected


def test_a_sweep_request_is_read_as_sent() -> None:
    request = parse_sweep_request(
        sweep(
            folderIds=["fd-a", "r-root"],
            accountIds=[A, B],
            excludeAccountIds=[B],
            changedWithinMinutes=10080,
            emrVersion="EMR-5.16.0",
            features=["studio"],
            roles=["AliyunEMRDefaultRole"],
            customEcsRole="MyRole",
            dryRun=True,
            drift="repair",
        )
    )
    assert request == SweepRequest(
        template=BootstrapRequest(
            account_ids=(),
            emr_version=parse_emr_version("EMR-5.16.0"),
            features=frozenset({"studio"}),
            roles=("AliyunEMRDefaultRole",),
            custom_ecs_role="MyRole",
            dry_run=True,
            drift="repair",
        ),
        folder_ids=frozenset({"fd-a", "r-root"}),
        include=frozenset({A, B}),
        exclude=frozenset({B}),
        changed_within_minutes=10080,
    )
    assert request.dry_run is True and request.start == Position(1, 0) and request.continues is False
    assert request.options() == {
        "emrVersion": "EMR-5.16.0",
        "features": ["studio"],
        "roles": ["AliyunEMRDefaultRole"],
        "customEcsRole": "MyRole",
        "dryRun": True,
        "drift": "repair",
        "folderIds": ["fd-a", "r-root"],
        "accountIds": [A, B],
        "excludeAccountIds": [B],
        "changedWithinMinutes": 10080,
    }


def test_a_plain_sweep_has_no_filters_and_no_options() -> None:
    request = parse_sweep_request(sweep(changedWithinMinutes=None, folderIds=None))
    assert request == SweepRequest(template=BootstrapRequest(account_ids=()))
    assert request.exclude == frozenset() and request.options() == {} and request.dry_run is False
    one_minute = parse_sweep_request(sweep(changedWithinMinutes=1, folderIds=["fd-a"] * MAX_IDS))
    assert one_minute.changed_within_minutes == 1 and one_minute.folder_ids == frozenset({"fd-a"})


def test_a_token_is_unpadded_base64url_of_compressed_compact_sorted_json() -> None:
    request = parse_sweep_request(sweep(folderIds=["fd-b", "fd-a"], dryRun=True))
    token = request.token(Position(3, 7), continues=True)
    assert "=" not in token
    text = zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))).decode()
    assert text == (
        '{"continues":true,"from":[1,0],"hop":1,"offset":7,"options":{"dryRun":true,"folderIds":["fd-a","fd-b"]},'
        '"page":3,"v":1}'
    )
    assert json.loads(read_token(request.token(Position())))["continues"] is False


def test_a_resumed_sweep_has_the_options_position_and_continuation_of_its_token() -> None:
    request = parse_sweep_request(sweep(accountIds=[A], changedWithinMinutes=10))
    resumed = parse_sweep_request(sweep(nextToken=request.token(Position(4, 2), continues=True), dryRun=None))
    assert resumed.include == frozenset({A}) and resumed.changed_within_minutes == 10
    assert resumed.start == Position(4, 2) and resumed.continues is True
    # A token written without the continuation flag does not continue.
    document = token_document(options={"accountIds": [A]})
    del document["continues"]
    plain = parse_sweep_request(sweep(nextToken=encode(document)))
    assert plain.continues is False and plain.start == Position(2, 3) and plain.include == frozenset({A})


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (7, "not a string of a sensible size"),
        ("", "not a string of a sensible size"),
        ("A" * (MAX_TOKEN_CHARS + 1), "not a string of a sensible size"),
        ("!!!!", "not base64url JSON"),
        (base64.urlsafe_b64encode(b"\xff\xfe").decode(), "not base64url JSON"),
        (encode("{")[:-1], "not base64url JSON"),
        (encode([1]), "unknown version"),
        (encode(token_document(v=2)), "unknown version"),
        (encode(token_document(page="2")), "bad position"),
        (encode(token_document(offset=-1)), "bad position"),
        (encode(token_document(offset=True)), "bad position"),
        (encode(token_document(page=1_000_001)), "bad position"),
        (encode(token_document(page=0)), "bad position or options"),
        (encode(token_document(options=[])), "bad position or options"),
        (encode(token_document(options={"nextToken": "x"})), "nested token"),
        (encode(token_document(options={"action": "sweep"})), "nested token"),
        (encode(token_document(continues="yes")), "bad continuation flag"),
        (encode(token_document(hop=-1)), "bad hop count or bound"),
        (encode(token_document(hop=1, maxHops=0)), "bad hop count or bound"),
        (encode(token_document(**{"from": [0, 5]})), "bad previous position"),
        (encode(token_document(**{"from": [1, -1]})), "bad previous position"),
        (encode(token_document(**{"from": [1]})), "bad previous position"),
        (encode(token_document(**{"from": "1,0"})), "bad previous position"),
    ],
)
def test_anything_but_an_issued_token_is_refused_saying_why(token: object, why: str) -> None:
    assert refused(sweep(nextToken=token)) == (
        "nextToken",
        "token",
        f"is not a token this function issued ({why})",
    )


def test_a_chain_bounded_to_one_hop_and_a_token_without_chain_fields_are_accepted() -> None:
    bounded = parse_sweep_request(sweep(nextToken=encode(token_document(hop=1, maxHops=1, **{"from": [1, 0]}))))
    assert (bounded.hop, bounded.max_hops, bounded.previous_start) == (1, 1, Position(1, 0))
    # Issued before chains: the resumed hop is counted as a chain's first, with no bound yet.
    plain = parse_sweep_request(sweep(nextToken=encode(token_document())))
    assert (plain.hop, plain.max_hops, plain.previous_start) == (0, None, None)


def test_positions_at_the_edges_of_the_range_are_accepted() -> None:
    far = parse_sweep_request(sweep(nextToken=encode(token_document(page=1_000_000, offset=1_000_000))))
    assert far.start == Position(1_000_000, 1_000_000)
    first = parse_sweep_request(sweep(nextToken=encode(token_document(page=1, offset=0))))
    assert first.start == Position(1, 0)


def test_a_batch_is_a_get_first_request_with_its_share_of_the_quota() -> None:
    batch = parse_sweep_batch({"action": "sweep-batch", "accountIds": [A, B], "strategy": "create-first"})
    assert batch.share == 1.0 and isinstance(batch.share, float)
    assert batch.request.account_ids == (A, B) and batch.request.strategy == "get-first"
    whole = parse_sweep_batch({"action": "sweep-batch", "accountIds": [A], "share": 1})
    assert whole.share == 1.0 and isinstance(whole.share, float)
    assert parse_sweep_batch({"accountIds": [A], "share": 0.001}).share == 0.001


@pytest.mark.parametrize(
    "share", [0, -0.5, 1.01, True, "0.5", None, 5e-324, 1e-6, 0.000999, float("nan"), float("inf")]
)
def test_a_batch_share_outside_a_thousandth_to_one_is_refused(share: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_sweep_batch({"action": "sweep-batch", "accountIds": [A], "share": share})
    assert (caught.value.field, caught.value.rule) == ("share", "range")
    assert str(caught.value) == "share: must be a number from 0.001 to 1"


def test_tokens_of_any_length_in_range_are_decoded_not_refused_for_their_size() -> None:
    for token in ("A", "A" * MAX_TOKEN_CHARS):
        assert refused(sweep(nextToken=token)) == (
            "nextToken",
            "token",
            "is not a token this function issued (not base64url JSON)",
        )


def test_a_resumed_sweep_checks_its_roles_against_the_same_catalog() -> None:
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    raw["roles"][0]["name"] = "OnlyInThisCatalog"
    catalog = parse_catalog(raw)
    request = parse_sweep_request(sweep(roles=["OnlyInThisCatalog"]), catalog=catalog)
    resumed = parse_sweep_request(sweep(nextToken=request.token(Position(2, 0))), catalog=catalog)
    assert resumed.template.roles == ("OnlyInThisCatalog",)
