"""CLI fixtures: ``main(argv)`` run in this process with its own stdout, stderr and stdin (a terminal or not), and
an emulator on loopback that the CLI reaches with ``--endpoint-url`` and an operator's access key from the
environment, as an operator's shell would."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from emr_bootstrap.adapters.sdk_directory import forget_management_accounts

from emr_bootstrap_cli.main import main
from emulator.testing import Emulator, bypass_proxies

if TYPE_CHECKING:
    from collections.abc import Iterator

EVENTS = Path(__file__).resolve().parents[2] / "events"
WRITES = frozenset({"CreateRole", "AttachPolicyToRole", "UpdateRole"})


class Stream(io.StringIO):
    """A captured stream that says whether it is a terminal."""

    def __init__(self, tty: bool = False, text: str = "") -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., CliRun]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``cli("plan", "--local", ...)`` -> CliRun; ``tty=True`` makes stdout a terminal, ``stdin`` is typed input,
    ``env`` adds variables for the run."""

    def run(*args: str, tty: bool = False, stdin: str = "", env: dict[str, str] | None = None) -> CliRun:
        out, err = Stream(tty), Stream()
        with monkeypatch.context() as patch:
            patch.setattr(sys, "stdout", out)
            patch.setattr(sys, "stderr", err)
            patch.setattr(sys, "stdin", Stream(text=stdin))
            for name, value in (env or {}).items():
                patch.setitem(os.environ, name, value)
            code = main(list(args))
        return CliRun(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture(autouse=True)
def operator_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No profile or key from the machine running the tests; one call per SDK call (faults answer at once)."""
    for name in ("ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("EMR_BOOTSTRAP_MAX_ATTEMPTS", "1")


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    bypass_proxies()
    with Emulator() as emulator:
        # The sample events' member, made first: a member made later by another test (in any order) never takes
        # its ID, so the tests that replay the samples always meet a member with its access role.
        emulator.create_member_account("sample-member", account_id="1000000000000002")
        yield emulator


@pytest.fixture(scope="module")
def operator_key(emu: Emulator) -> tuple[str, str]:
    """An administrator of the management account: the operator running the CLI."""
    return emu.create_user(emu.management_account_id, "operator", policies=["AdministratorAccess"])


@pytest.fixture
def against(emu: Emulator, operator_key: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operator's key in the environment; the arguments that point the CLI at the emulator."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", operator_key[0])
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", operator_key[1])
    return ["--endpoint-url", emu.endpoint]


def writes_since(emu: Emulator, mark: int) -> list[str]:
    return [call.action for call in emu.calls[mark:] if call.action in WRITES]


def tables(out: str) -> list[list[dict[str, str]]]:
    """The plain (non-terminal) tables in ``out``: each header line, read by its column positions, then its rows up
    to the summary line."""
    found: list[list[dict[str, str]]] = []
    lines = out.splitlines()
    for index, header in enumerate(lines):
        if not header.startswith(("ACCOUNT ", "ROLE ")):
            continue
        names = [name.strip() for name in header.split("  ") if name.strip()]
        starts = [header.index(name) for name in names]
        rows = []
        for line in lines[index + 1 :]:
            if "[request " in line or not line.strip():
                break
            rows.append({n: line[a:b].strip() for n, a, b in zip(names, starts, [*starts[1:], None], strict=True)})
        found.append(rows)
    return found


def table(out: str) -> list[dict[str, str]]:
    """The only (or last) table in ``out``."""
    return tables(out)[-1]


@pytest.fixture(autouse=True)
def forget_learned_management_accounts() -> Iterator[None]:
    """Each CLI run in a test learns the management account itself, whatever ran before (GetResourceDirectory)."""
    forget_management_accounts()
    yield
    forget_management_accounts()
