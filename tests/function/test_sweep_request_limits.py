"""A sweep request's lists at their documented edge (README and OpenAPI: at most 200 IDs each, so that any request
fits the 64 KiB body), through the application layer over fakes; and whatever sweep request the function
accepts, the token it hands back for the rest is accepted in turn."""

from __future__ import annotations

import pytest

from tests.function.test_sweep_resumption import MEMBERS, Chain

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
