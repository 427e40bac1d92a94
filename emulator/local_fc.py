"""A local stand-in for Function Compute: runs ``function/index.py`` the way FC would, against the emulator.

FC gives the function the temporary credentials of its role (``context.credentials`` and the
``ALIBABA_CLOUD_*`` variables, docs/fc-notes.md §1.3/§1.5). Here the two functions' roles are created in the
emulated management account with the trust and permission policies shipped in ``deploy/policies/`` (the event
function's for ``handler``, the HTTP function's for ``http_handler``, each with the opt-in management-account
policy), so every end-to-end run also proves that the shipped policies are enough. The handler is imported
in-process and called with ``bytes``, as FC does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from emulator.fc.models import AsyncInvocation, FunctionHandler, InvocationContext
    from emulator.testing import Emulator

REPO = Path(__file__).resolve().parent.parent
FUNCTION_DIR = REPO / "function"
POLICY_DIR = REPO / "deploy" / "policies"
FUNCTION_ROLE = "emr-bootstrap-function"
# The shipped permission policies by part: each function's own, and the opt-in one for the management account.
POLICY_FILES = {
    "event": "function-event-role-policy.json",
    "http": "function-http-role-policy.json",
    "management": "function-management-account-policy.json",
}
# Which function's role each handler runs under.
HANDLER_PARTS = {"handler": "event", "http_handler": "http"}


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str
    security_token: str


@dataclass(frozen=True)
class FunctionMeta:
    """python3.10's ``context.function``: these four fields only (python3.12 adds version_id and qualifier)."""

    name: str = "emr-bootstrap-event"
    handler: str = "index.handler"
    memory: int = 512
    timeout: int = 300


@dataclass(frozen=True)
class ServiceMeta:
    """python3.10's ``context.service``: the version or alias the invocation runs under is ``qualifier``."""

    name: str = ""
    log_project: str = ""
    log_store: str = ""
    qualifier: str = "LATEST"
    version_id: str = ""


@dataclass(frozen=True)
class Context:
    """The python3.10 FC context, attribute for attribute ("Context", docs/fc-notes.md §1.3)."""

    request_id: str
    credentials: Credentials
    account_id: str
    region: str = "cn-hangzhou"
    function: FunctionMeta = field(default_factory=FunctionMeta)
    service: ServiceMeta = field(default_factory=ServiceMeta)


class LocalFunctionCompute:
    """Deploys the function's role into an emulator and invokes the handler with its credentials.

    Use it as a context manager: the function's environment (credentials, endpoints) is set in ``os.environ``
    on entry and restored on exit, so concurrent invocations all see the same environment, as on one FC instance.
    """

    def __init__(
        self,
        emu: Emulator,
        *,
        extra_env: Mapping[str, str] | None = None,
        policies: Mapping[str, Mapping[str, Any] | None] | None = None,
        role_name: str = FUNCTION_ROLE,
        qualifier: str = "LATEST",
        http_role_name: str | None = None,
    ) -> None:
        """``policies`` replaces shipped documents by part (``POLICY_FILES``; a least-privilege test removes one
        statement), or leaves a part out (None); give such a variant its own ``role_name``. ``qualifier``: the
        version or alias every invocation runs under (the function is registered with it). ``http_role_name``: the
        HTTP function's role (default ``<role_name>-http``).

        Both functions of s.yaml are registered in FC as ``s deploy`` would create them (configuration, timers,
        asynchronous configuration: what GetFunction, ListTriggers and GetAsyncInvokeConfig answer), each with its
        handler, so that a synchronous InvokeFunction runs it."""
        self.emu = emu
        self.qualifier = qualifier
        self.account_id = emu.management_account_id
        self.extra_env = dict(extra_env or {})
        self.role_name = role_name
        self.role_names = {"handler": role_name, "http_handler": http_role_name or f"{role_name}-http"}
        self._credentials: dict[str, Credentials] = {}
        self._index = self._import_index()
        self._provision_roles(policies or {})

    @staticmethod
    def shipped_policy(part: str = "event") -> dict[str, Any]:
        policy: dict[str, Any] = json.loads((POLICY_DIR / POLICY_FILES[part]).read_text())
        return policy

    def _provision_roles(self, replaced: Mapping[str, Mapping[str, Any] | None]) -> None:
        trust = (POLICY_DIR / "function-trust-policy.json").read_text()
        names: dict[str, str] = {}
        for part in POLICY_FILES:
            document = replaced[part] if part in replaced else self.shipped_policy(part)
            if document is not None:
                names[part] = f"{self.role_name}-{part}-policy"
                self.emu.create_custom_policy(self.account_id, names[part], json.dumps(document))
        for handler, role in self.role_names.items():
            attached = [names[part] for part in (HANDLER_PARTS[handler], "management") if part in names]
            self.emu.create_role(self.account_id, role, trust, custom_policies=attached, exist_ok=True)
        self._register_functions()

    def _register_functions(self) -> None:
        """The functions themselves: the event function invokes itself asynchronously (sweep fan-out and
        continuation); an operator invokes either synchronously (``emr-bootstrap invoke --function``)."""
        from emr_bootstrap_cli import deployment

        qualifiers = [self.qualifier] if self.qualifier != "LATEST" else []
        for spec in deployment.BUILT_IN:
            handler = spec.handler.removeprefix("index.")
            role = f"acs:ram::{self.account_id}:role/{self.role_names[handler].lower()}"
            deployed = dataclasses.replace(spec.in_account(self.account_id), role=role)
            self.emu.create_function(
                self.account_id,
                spec.name,
                handler=self._sync_handler(handler),
                qualifiers=qualifiers,
                exist_ok=True,
                config=deployment.fc_config(deployed),
                triggers=deployment.fc_triggers(deployed),
                async_config=deployment.fc_async_config(deployed),
            )

    def _sync_handler(self, handler: str) -> FunctionHandler:
        """Runs ``index.<handler>`` for a synchronous invocation, in the function's environment."""

        def run(event: bytes, invocation: InvocationContext) -> Any:
            context = dataclasses.replace(self.context(handler), request_id=invocation.request_id)
            with patched_environ(self.environment()):
                return getattr(self._index, handler)(event, context)

        return run

    @staticmethod
    def _import_index() -> Any:
        if str(FUNCTION_DIR) not in sys.path:
            sys.path.insert(0, str(FUNCTION_DIR))
        return importlib.import_module("index")

    def credentials(self, handler: str = "handler") -> Credentials:
        """A session of the role of the function ``handler`` belongs to, as FC's service principal obtains it."""
        if handler not in self._credentials:
            role = self.role_names[handler]
            ak, secret, token = self.emu.service_session(self.account_id, role, "fc.aliyuncs.com")
            self._credentials[handler] = Credentials(ak, secret, token)
        return self._credentials[handler]

    def environment(self) -> dict[str, str]:
        creds = self.credentials()
        return {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": creds.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": creds.access_key_secret,
            "ALIBABA_CLOUD_SECURITY_TOKEN": creds.security_token,
            "FC_ACCOUNT_ID": self.account_id,
            "FC_REGION": "cn-hangzhou",
            "EMR_BOOTSTRAP_RAM_ENDPOINT": self.emu.endpoint,
            "EMR_BOOTSTRAP_STS_ENDPOINT": self.emu.endpoint,
            "EMR_BOOTSTRAP_RESOURCEMANAGER_ENDPOINT": self.emu.endpoint,
            "EMR_BOOTSTRAP_FC_ENDPOINT": self.emu.endpoint,
            **self.extra_env,
        }

    def context(self, handler: str = "handler") -> Context:
        return Context(
            request_id=str(uuid.uuid4()),
            credentials=self.credentials(handler),
            account_id=self.account_id,
            service=ServiceMeta(name="emr-bootstrap", qualifier=self.qualifier),
        )

    def drain(self) -> list[bytes]:
        """The function's queued asynchronous invocations (fan-out batches, continuations), oldest first."""
        return [invocation.body for invocation in self.drain_invocations()]

    def drain_invocations(self) -> list[AsyncInvocation]:
        """The same, as FC queued them (with the ``qualifier`` each was invoked with)."""
        return self.emu.drain_async(FunctionMeta().name)

    def invoke(self, event: bytes | str | Mapping[str, Any] | list[Any], handler: str = "handler") -> Any:
        """Call ``index.<handler>(event_bytes, context)``; a JSON-string reply is decoded for convenience."""
        raw = event if isinstance(event, bytes) else (event if isinstance(event, str) else json.dumps(event)).encode()
        reply = getattr(self._index, handler)(raw, self.context(handler))
        return json.loads(reply) if isinstance(reply, str) else reply

    def __enter__(self) -> LocalFunctionCompute:
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(patched_environ(self.environment()))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()


@contextlib.contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
