"""Where a command runs the function's application layer: the cloud with the operator's credentials, or a fresh
embedded emulator (``--local``). Either way the work is ``Application(env).run(job, invocation)``, in-process,
exactly as the FC handlers run it; Function Compute is never called."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.adapters.credentials import FunctionCredentials
from emr_bootstrap.adapters.settings import RAM_ENDPOINT_VAR, RESOURCEMANAGER_ENDPOINT_VAR, STS_ENDPOINT_VAR, Settings
from emr_bootstrap.adapters.settings import parse_endpoint as parse_endpoint_setting
from emr_bootstrap.application.app import Application
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.shared.errors import CloudError, SettingsError

from emr_bootstrap_cli import credentials
from emr_bootstrap_cli.errors import CliError, CredentialsProblem, UsageProblem
from emr_bootstrap_cli.outcome import is_credential_problem

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from types import ModuleType

    from emr_bootstrap.core.result import Result
    from emr_bootstrap.intake.jobs import Job

    from emulator.harness import Emulator
    from emulator.local_fc import Context, LocalFunctionCompute

ENDPOINT_VARS: Final = (RAM_ENDPOINT_VAR, STS_ENDPOINT_VAR, RESOURCEMANAGER_ENDPOINT_VAR)


def new_request_id() -> str:
    return f"cli-{uuid.uuid4()}"


@dataclass
class Target:
    """What the function sees: ``overrides`` on top of the process environment, the credentials it runs with and
    the account it runs in (None: STS GetCallerIdentity says, when it matters)."""

    overrides: dict[str, str]
    credentials: FunctionCredentials
    own_account_id: str | None
    where: str
    emulator: Emulator | None = None
    members: tuple[str, ...] = ()
    local_fc: LocalFunctionCompute | None = field(default=None, repr=False)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **self.overrides}

    def run(self, job: Job, *, timeout_s: float | None = None) -> Result:
        """``job`` in this process; ``timeout_s`` gives it a deadline (a sweep then stops and returns a token)."""
        invocation = Invocation(
            new_request_id(), credentials=self.credentials, own_account_id=self.own_account_id, timeout_s=timeout_s
        )
        return Application(self.env).run(job, invocation)

    # --- running the FC handlers themselves (invoke, serve) ---------------------------------------------------
    @contextlib.contextmanager
    def function_environment(self) -> Iterator[None]:
        """The process environment as FC would set it for the function (its handlers read ``os.environ``)."""
        from emulator.local_fc import patched_environ

        with patched_environ(self.overrides):
            yield

    def context(self) -> Context:
        """An FC context for one invocation: a new request ID, the credentials, the account."""
        from emulator.local_fc import Context, Credentials

        if self.local_fc is not None:
            return self.local_fc.context()
        creds = Credentials(
            self.credentials.access_key_id, self.credentials.access_key_secret, self.credentials.security_token or ""
        )
        return Context(request_id=new_request_id(), credentials=creds, account_id=self.caller_account())

    def caller_account(self) -> str:
        """The account the credentials belong to (STS GetCallerIdentity, once)."""
        if self.own_account_id is None:
            from emr_bootstrap.adapters.sdk import connect

            connector = connect(Settings.from_env(self.env), self.credentials, None).connector
            try:
                self.own_account_id = connector.own_account_id()
            except CloudError as exc:
                problem = CredentialsProblem if is_credential_problem(exc.code) else CliError
                raise problem(
                    f"cannot tell which account the credentials belong to: {exc.code}: {exc.message}",
                    "Check the credentials and the STS endpoint (--endpoint-url, EMR_BOOTSTRAP_STS_ENDPOINT).",
                ) from exc
        return self.own_account_id

    def call_handler(self, raw: bytes, handler: str) -> Any:
        """``index.<handler>(raw, context)``, as FC calls it; inside :meth:`function_environment`."""
        return getattr(load_index(), handler)(raw, self.context())


def load_index() -> ModuleType:
    """``function/index.py``, the FC entry module (the CLI runs from a source checkout, like the emulator)."""
    from emulator.local_fc import FUNCTION_DIR

    if not (FUNCTION_DIR / "index.py").is_file():
        raise CliError(
            f"the function's code is not at {FUNCTION_DIR}",
            "invoke and serve run function/index.py: install from a source checkout (pip install -e .).",
        )
    if str(FUNCTION_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTION_DIR))
    return importlib.import_module("index")


@contextlib.contextmanager
def open_target(
    *, local: bool, endpoint_url: str | None, profile: str | None, accounts: Iterable[str] = (), members: int = 0
) -> Iterator[Target]:
    """``--local``: a fresh emulator holding ``accounts`` (as members with those IDs) and ``members`` more;
    otherwise the cloud (or ``--endpoint-url``) with the credentials from the chain."""
    if local:
        if endpoint_url or profile:
            raise UsageProblem(
                "--local runs against an embedded emulator: it takes neither --endpoint-url nor --profile",
                "Drop --local to use your credentials and endpoints.",
            )
        with _local(accounts, members) as target:
            yield target
    else:
        yield _cloud(endpoint_url, profile)


@contextlib.contextmanager
def _local(accounts: Iterable[str], members: int) -> Iterator[Target]:
    from emulator.harness import Emulator
    from emulator.local_fc import LocalFunctionCompute
    from emulator.testing import bypass_proxies

    bypass_proxies()
    with Emulator() as emu:
        function = LocalFunctionCompute(emu)
        created = []
        for account_id in dict.fromkeys(accounts):
            if emu.state.account(account_id) is None:
                created.append(emu.create_member_account(f"member-{account_id[-4:]}", account_id=account_id))
        created += emu.create_member_accounts(members)
        key = function.credentials()
        yield Target(
            overrides=function.environment(),
            credentials=FunctionCredentials(key.access_key_id, key.access_key_secret, key.security_token),
            own_account_id=emu.management_account_id,
            where=f"a fresh embedded emulator at {emu.endpoint}",
            emulator=emu,
            members=tuple(created),
            local_fc=function,
        )


def _cloud(endpoint_url: str | None, profile: str | None) -> Target:
    overrides: dict[str, str] = {}
    if endpoint_url:
        try:
            parse_endpoint_setting("--endpoint-url", endpoint_url)
        except SettingsError as exc:
            raise UsageProblem(exc.message, "Give host[:port] or an http:// or https:// URL without a path.") from exc
        overrides = dict.fromkeys(ENDPOINT_VARS, endpoint_url)
    try:
        settings = Settings.from_env({**os.environ, **overrides})
    except SettingsError as exc:
        raise UsageProblem(exc.message, f"Fix or unset {exc.variable}.") from exc
    creds = credentials.resolve(profile, os.environ)
    endpoints = sorted({settings.ram.url, settings.sts.url, settings.resourcemanager.url})
    return Target(overrides, creds, None, where=", ".join(endpoints))
