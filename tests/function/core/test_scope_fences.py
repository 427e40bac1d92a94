"""The deployment's scope fences, through the application layer as the handler runs it (event bytes in, result
out) over in-memory fakes: every path (request, new-account event, event sweep, fan-out batch, sweep) keeps to the
deny list, the allow list and the allowed folders, and a folder is matched on the directory path, never as text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.core.cloud import Ports
from emr_bootstrap.intake.jobs import from_event

from tests.function.fakes import FakeConnector, FakeDirectory

EVENTS = Path(__file__).resolve().parents[3] / "events"
OWN = "1000000000000001"
A, B, C, D, E, F = (f"20000000000000{n:02d}" for n in range(1, 7))


class World:
    """One deployment (its environment) over one fake directory; each :meth:`invoke` is one invocation."""

    def __init__(self, env: dict[str, str], members: list[str], paths: dict[str, str] | None = None) -> None:
        self.connector = FakeConnector(own_account_id=OWN)
        self.directory = FakeDirectory(members=members)
        self.directory.paths.update(paths or {})
        self.app = Application(env, ports=lambda settings, invocation: Ports(self.connector, self.directory))

    def invoke(self, event: dict[str, Any] | list[Any] | bytes) -> dict[str, Any]:
        raw = event if isinstance(event, bytes) else json.dumps(event).encode()
        job = from_event(raw, request_id="r", own_account_id=OWN)
        return self.app.run(job, Invocation("r", own_account_id=OWN)).to_dict()

    @property
    def opened(self) -> set[str]:
        """The accounts the function opened a session in (AssumeRole)."""
        return {account for account, _ in self.connector.opened}

    def written(self) -> set[str]:
        return {account for account, ram in self.connector.accounts.items() if ram.write_calls}


def new_account_event(account_id: str, number: int = 0) -> dict[str, Any]:
    """EventBridge's CreateResourceAccount record for ``account_id``, published on the function's own bus."""
    text = (EVENTS / "actiontrail-create-resource-account.json").read_text()
    event: dict[str, Any] = json.loads(text.replace("1000000000000002", account_id).replace("1000000000000001", OWN))
    event["id"] = f"{event['id']}-{number}"
    event["data"]["eventId"] = f"{event['data']['eventId']}-{number}"
    return event


def unnamed_account_event() -> dict[str, Any]:
    """A new-account record that does not say which account joined: the function sweeps the recent changes."""
    event = new_account_event(A)
    event["data"]["responseElements"] = {}
    event["data"].pop("referencedResources", None)
    return event


def codes(result: dict[str, Any]) -> dict[str, str]:
    """Each listed account's status, or its skip code when skipped."""
    return {
        a["accountId"]: a["skipped"]["code"] if a["status"] == "skipped" else a["status"] for a in result["accounts"]
    }


# -- the deny and allow lists on every path ---------------------------------------------------------------------
def test_a_new_account_event_for_a_denied_account_opens_no_session_and_writes_nothing() -> None:
    world = World({"EMR_BOOTSTRAP_ACCOUNT_DENYLIST": A}, [OWN, A, B])

    result = world.invoke(new_account_event(A))

    assert codes(result) == {A: "AccountOutOfScope"}
    assert world.opened == set() and world.written() == set()


def test_in_one_delivery_the_denied_account_is_left_alone_and_the_other_gets_its_roles() -> None:
    world = World({"EMR_BOOTSTRAP_ACCOUNT_DENYLIST": A}, [OWN, A, B])

    result = world.invoke([new_account_event(A, 1), new_account_event(B, 2)])

    assert codes(result) == {A: "AccountOutOfScope", B: "succeeded"}
    assert world.opened == {B} and world.written() == {B}


def test_a_new_account_event_for_an_account_off_the_allow_list_opens_no_session() -> None:
    world = World({"EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": B}, [OWN, A, B])

    result = world.invoke(new_account_event(A))

    assert codes(result) == {A: "AccountOutOfScope"}
    assert world.opened == set()


@pytest.mark.parametrize(
    "variable_and_value",
    [("EMR_BOOTSTRAP_ACCOUNT_DENYLIST", A), ("EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST", B)],
    ids=["deny-list", "allow-list"],
)
def test_the_recent_changes_sweep_of_an_unnamed_event_keeps_to_the_lists(variable_and_value: tuple[str, str]) -> None:
    variable, value = variable_and_value
    world = World({variable: value}, [A, B])

    result = world.invoke(unnamed_account_event())

    assert result["sweep"]["listed"] == 2
    assert world.opened == {B} and world.written() == {B}


def test_a_fan_out_batch_naming_a_denied_account_opens_no_session() -> None:
    world = World({"EMR_BOOTSTRAP_ACCOUNT_DENYLIST": A}, [OWN, A, B])

    result = world.invoke({"action": "sweep-batch", "accountIds": [A, B], "share": 0.5})

    assert codes(result)[A] == "AccountOutOfScope"
    assert world.opened == {B}


@pytest.mark.parametrize("share", [0.5, 0.001, 1])
def test_a_fan_out_batch_naming_an_account_off_the_allow_list_opens_no_session(share: float) -> None:
    world = World({"EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": B}, [OWN, A, B])

    result = world.invoke({"action": "sweep-batch", "accountIds": [A, B], "share": share})

    assert codes(result)[A] == "AccountOutOfScope"
    assert world.opened == {B}


def test_an_account_on_both_the_allow_and_the_deny_list_is_kept_out_on_every_path() -> None:
    world = World({"EMR_BOOTSTRAP_ACCOUNT_ALLOWLIST": f"{A},{B}", "EMR_BOOTSTRAP_ACCOUNT_DENYLIST": A}, [A, B])

    request = world.invoke({"accountIds": [A, B]})
    event = world.invoke(new_account_event(A))
    sweep = world.invoke({"action": "sweep"})

    assert codes(request)[A] == codes(event)[A] == codes(sweep)[A] == "AccountOutOfScope"
    assert world.opened == {B}


# -- folders: on the directory path, never as text ---------------------------------------------------------------
# fd-abc is allowed. Its sub-folders are in; folders whose IDs merely begin like it, or that it begins like, are not.
FOLDER_PATHS = {
    A: f"rd-1/r-root/fd-abc/{A}",
    B: f"rd-1/r-root/fd-abc/fd-x/fd-y/{B}",
    C: f"rd-1/r-root/fd-abcd/{C}",
    D: f"rd-1/r-root/fd-ab/{D}",
    E: f"rd-1/r-root/fd-abcd/fd-abc0/{E}",
    F: f"rd-1/r-root/fd-zabc/{F}",
}
IN_FOLDER = {A, B}
OUT_OF_FOLDER = {C, D, E, F}


def folder_world(env: dict[str, str] | None = None) -> World:
    return World(env or {}, sorted(FOLDER_PATHS), FOLDER_PATHS)


ALLOWED_FD_ABC = {"EMR_BOOTSTRAP_ALLOWED_FOLDERS": "fd-abc"}


def test_allowed_folders_admit_the_folder_and_its_sub_folders_and_no_folder_that_only_looks_alike() -> None:
    world = folder_world(ALLOWED_FD_ABC)

    result = world.invoke({"accountIds": sorted(FOLDER_PATHS)})

    assert codes(result) == dict.fromkeys(IN_FOLDER, "succeeded") | dict.fromkeys(OUT_OF_FOLDER, "AccountOutOfScope")
    assert world.opened == IN_FOLDER


def test_a_sweep_keeps_to_the_allowed_folders_by_path() -> None:
    world = folder_world(ALLOWED_FD_ABC)

    result = world.invoke({"action": "sweep"})

    assert result["sweep"]["listed"] == len(FOLDER_PATHS)
    assert world.opened == IN_FOLDER and world.written() == IN_FOLDER


def test_new_account_events_write_only_in_the_allowed_folders() -> None:
    world = folder_world(ALLOWED_FD_ABC)

    result = world.invoke([new_account_event(account, n) for n, account in enumerate(sorted(FOLDER_PATHS))])

    assert codes(result) == dict.fromkeys(IN_FOLDER, "succeeded") | dict.fromkeys(OUT_OF_FOLDER, "AccountOutOfScope")
    assert world.written() == IN_FOLDER


def test_a_sweep_request_for_a_folder_selects_that_folder_by_path_and_nothing_that_only_looks_alike() -> None:
    world = folder_world()

    result = world.invoke({"action": "sweep", "folderIds": ["fd-abc"]})

    assert result["sweep"]["selected"] == len(IN_FOLDER)
    assert world.opened == IN_FOLDER


def test_a_sweep_request_for_a_sub_folder_stays_inside_the_allowed_folder() -> None:
    paths = FOLDER_PATHS | {C: f"rd-1/r-root/fd-other/fd-x/{C}"}
    world = World(ALLOWED_FD_ABC, sorted(paths), paths)

    world.invoke({"action": "sweep", "folderIds": ["fd-x"]})

    assert world.opened == {B}  # C is in an fd-x too, but outside the allowed folder


def test_a_sweep_requests_exclude_list_holds_beside_its_account_list() -> None:
    world = World({}, [A, B, C])

    result = world.invoke({"action": "sweep", "accountIds": [A, B], "excludeAccountIds": [A]})

    assert result["sweep"]["selected"] == 1 and world.opened == {B}
