"""Resume tokens at their edges: whatever sweep request the function accepts, its token (compressed) is accepted
back and fits the 64 KiB body that sends it; a token issued before compression is still read; a compressed one is
never inflated past its cap (a zip bomb is refused, not expanded), and a damaged one is refused saying why."""

from __future__ import annotations

import base64
import json
import random
import zlib
from typing import Any

import pytest
from emr_bootstrap.api.routes import OPENAPI_PATH
from emr_bootstrap.core.catalog import load_catalog
from emr_bootstrap.shared.errors import InvalidRequest
from emr_bootstrap.sweeps.sweep_request import (
    MAX_TOKEN_CHARS,
    MAX_TOKEN_DOCUMENT_BYTES,
    Position,
    parse_sweep_request,
)

BODY_LIMIT = 65_536  # written out: the documented body limit
ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
REFUSED = "nextToken: is not a token this function issued (not base64url JSON)"


def worst_case_request(seed: int = 15) -> dict[str, Any]:
    """Every list full of distinct random IDs of the longest accepted form (as little for zlib to find as the
    formats allow), and every role field set."""
    rng = random.Random(seed)
    accounts = sorted({"".join(rng.choices("0123456789", k=20)) for _ in range(500)})
    return {
        "action": "sweep",
        "accountIds": accounts[:200],
        "excludeAccountIds": accounts[200:400],
        "folderIds": ["fd-" + "".join(rng.choices(ALPHANUMERIC, k=64)) for _ in range(200)],
        "changedWithinMinutes": 7 * 24 * 60,
        "dryRun": True,
        "drift": "repair",
        "features": sorted(load_catalog().features),
        "customEcsRole": "My-Own-Ecs-Role." + "x" * 48,
    }


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def refusal(token: str) -> str:
    with pytest.raises(InvalidRequest) as caught:
        parse_sweep_request({"action": "sweep", "nextToken": token})
    assert (caught.value.field, caught.value.rule) == ("nextToken", "token")
    return caught.value.message


@pytest.mark.parametrize("seed", [15, 16, 17])
def test_the_token_of_the_largest_accepted_request_is_accepted_and_fits_the_body_that_sends_it_back(seed: int) -> None:
    request = parse_sweep_request(worst_case_request(seed))
    token = request.token(Position(10_000, 99), continues=True, max_hops=1_000_000)

    body = json.dumps({"action": "sweep", "nextToken": token}, separators=(",", ":")).encode()
    assert len(token) <= MAX_TOKEN_CHARS and len(body) <= BODY_LIMIT
    resumed = parse_sweep_request(json.loads(body))
    assert resumed.options() == request.options() and resumed.start == Position(10_000, 99)


def test_a_token_of_the_largest_size_accepted_still_fits_the_body_that_sends_it_back() -> None:
    body = json.dumps({"action": "sweep", "nextToken": "A" * MAX_TOKEN_CHARS}, separators=(",", ":")).encode()

    assert len(body) <= BODY_LIMIT


def test_a_token_issued_as_plain_base64url_json_is_still_read() -> None:
    document = {"v": 1, "page": 2, "offset": 5, "options": {"accountIds": ["1234567890123456"], "dryRun": True}}

    resumed = parse_sweep_request({"action": "sweep", "nextToken": b64(json.dumps(document).encode())})

    assert resumed.start == Position(2, 5) and resumed.dry_run
    assert resumed.include == frozenset({"1234567890123456"})


def document_of(size: int) -> bytes:
    """A valid token document of exactly ``size`` bytes (whitespace before its closing brace)."""
    text = json.dumps({"v": 1, "page": 1, "offset": 0, "options": {}})
    return (text[:-1] + " " * (size - len(text)) + "}").encode()


def test_a_compressed_document_is_inflated_up_to_its_cap_and_not_a_byte_further() -> None:
    at_cap = parse_sweep_request(
        {"action": "sweep", "nextToken": b64(zlib.compress(document_of(MAX_TOKEN_DOCUMENT_BYTES)))}
    )
    assert at_cap.start == Position(1, 0)

    assert refusal(b64(zlib.compress(document_of(MAX_TOKEN_DOCUMENT_BYTES + 1)))) == REFUSED


def test_a_zip_bomb_is_refused_without_being_inflated_whole() -> None:
    bomb = b64(zlib.compress(document_of(40 * 1024 * 1024), 9))
    assert len(bomb) <= MAX_TOKEN_CHARS  # it passes the size check: only the inflation cap stops it

    assert refusal(bomb) == REFUSED


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:-4],  # truncated: the stream does not end
        lambda raw: raw + b"trailing",  # something after the stream
        lambda raw: b"x" + raw[1:2] + b"\xff" * 8,  # a zlib header and no stream
    ],
)
def test_a_damaged_compressed_token_is_refused(damage: Any) -> None:
    raw = zlib.compress(document_of(200))

    assert refusal(b64(damage(raw))) == REFUSED


def test_the_openapi_document_gives_the_token_the_length_the_function_accepts() -> None:
    document = json.loads(OPENAPI_PATH.read_text())
    lengths = [
        choice["maxLength"]
        for schema in document["components"]["schemas"].values()
        for name, field in schema.get("properties", {}).items()
        if name == "nextToken"
        for choice in field.get("anyOf", [field])
        if choice.get("type") == "string" and "maxLength" in choice
    ]

    assert lengths and set(lengths) == {MAX_TOKEN_CHARS}


def test_every_token_reads_back_whatever_characters_it_ends_in() -> None:
    request = parse_sweep_request({"action": "sweep", "accountIds": ["1234567890123456"]})
    tokens = {request.token(Position(page, offset)): Position(page, offset) for page in (1, 7) for offset in range(100)}

    assert len({token[-1] for token in tokens}) > 20  # the last characters vary: none is special
    for token, position in tokens.items():
        assert parse_sweep_request({"action": "sweep", "nextToken": token}).start == position
