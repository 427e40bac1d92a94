"""The emulator as a Python object: start/stop, setup helpers that bypass the wire, call log and faults."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from emulator.core import clock, policy
from emulator.core.app import App
from emulator.core.calllog import CallLog, CallRecord
from emulator.core.faults import FAULT_FIELDS, Faults
from emulator.core.server import LOOPBACK, EmulatorHTTPServer
from emulator.core.state import ROOT_FOLDER_ID, Account, Cloud
from emulator.core.store import Store
from emulator.fc.models import DEFAULT_REGION, FUNCTION_NAME, AsyncInvocation, Function, FunctionHandler
from emulator.ram.entities import attachment_key
from emulator.ram.models import RamBackend
from emulator.resourcemanager import models as directory
from emulator.sts import models as sts_models

if TYPE_CHECKING:
    import threading
    from pathlib import Path
    from types import TracebackType

DEFAULT_TRUST_SERVICE = "ecs.aliyuncs.com"


def apply_fault_spec(faults: Faults, spec: Mapping[str, Any]) -> None:
    """``{"latency_ms": 5}`` applies to every action; ``{"CreateRole": {"throttle_rate": 1.0}}`` to one."""
    global_settings = {k: v for k, v in spec.items() if k in FAULT_FIELDS}
    if global_settings:
        faults.set(None, **global_settings)
    for key, value in spec.items():
        if key in FAULT_FIELDS:
            continue
        if key == "quotas":
            faults.enable_quotas(bool(value))
        elif isinstance(value, Mapping):
            faults.set(key, **value)
        else:
            raise TypeError(f"unknown fault setting {key!r}")


class Emulator:
    """A running emulator on ``127.0.0.1:<port>``; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        faults: Mapping[str, Any] | None = None,
        seed: int | None = None,
        state_file: str | Path | None = None,
        host: str = LOOPBACK,
        port: int = 0,
    ) -> None:
        self._store = Store(str(state_file)) if state_file is not None else None
        self.state = Cloud(self._store)
        self._issued: set[str] = set()
        self.faults = Faults(seed)
        self.call_log = CallLog()
        if faults:
            apply_fault_spec(self.faults, faults)
        self._app = App(self.state, self.faults, self.call_log)
        self._server = EmulatorHTTPServer(self._app, host, port)
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Emulator:
        if self._thread is None:
            self._thread = self._server.start_in_thread()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def issued_secrets(self) -> set[str]:
        """Every AccessKey secret, STS secret and security token this emulator has issued so far (for tests that
        scan logs and results for leaks). Collected across :meth:`reset`, which forgets the keys themselves."""
        with self.state.lock:
            current = {key.secret for key in self.state.access_keys.values()}
            current |= {part for token in self.state.tokens.values() for part in (token.secret, token.token)}
        self._issued |= current
        return set(self._issued)

    def reset(self) -> None:
        """Fresh state (new management root key), no faults, empty call log."""
        self.issued_secrets()
        self.state.reset()
        self.faults.clear()
        self.call_log.clear()

    # --- addresses and identities ------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.port

    @property
    def host(self) -> str:
        """What SDK ``Config.endpoint`` wants (with ``protocol="http"``)."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def endpoint(self) -> str:
        """What ``alibabacloud_credentials`` ``sts_endpoint`` wants."""
        return f"http://{self.host}"

    @property
    def management_account_id(self) -> str:
        return self.state.management_account_id

    @property
    def root_key(self) -> tuple[str, str]:
        return self.root_key_of(self.management_account_id)

    def root_key_of(self, account_id: str) -> tuple[str, str]:
        key = self.state.root_key(account_id)
        return key.access_key_id, key.secret

    def ready_line(self) -> str:
        access_key_id, secret = self.root_key
        return json.dumps(
            {
                "endpoint": self.endpoint,
                "accountId": self.management_account_id,
                "accessKeyId": access_key_id,
                "accessKeySecret": secret,
            }
        )

    # --- setup helpers (not through the wire) ------------------------------------------------------
    def _account(self, account_id: str) -> Account:
        account = self.state.account(account_id)
        if account is None:
            raise KeyError(f"no account {account_id}")
        return account

    def _ram(self, account_id: str) -> RamBackend:
        return RamBackend(self._account(account_id), self._app.system_policies)

    def create_user(
        self, account_id: str, name: str, policies: Iterable[str] = (), *, policy_type: str = "System"
    ) -> tuple[str, str]:
        """A RAM user with the given policies attached and one access key; returns ``(ak, secret)``."""
        ram = self._ram(account_id)
        now = clock.now()
        ram.create_user(name, display_name=None, comments="", email="", mobile_phone="", now=now)
        for policy_name in policies:
            ram.attach_policy_to_user(name, policy_type, policy_name, now=now)
        self.state.persist_account(ram.account)
        key = self.state.add_access_key(account_id, name)
        return key.access_key_id, key.secret

    def create_custom_policy(
        self, account_id: str, name: str, document: str | Mapping[str, Any], *, exist_ok: bool = True
    ) -> None:
        """A custom policy (attach it with ``custom_policies=[...]``); an existing one is replaced if exist_ok."""
        text = document if isinstance(document, str) else json.dumps(document)
        ram = self._ram(account_id)
        with ram.account.lock:
            if exist_ok:  # policy names are case-insensitive
                for existing in [k for k in ram.account.policies if k.lower() == name.lower()]:
                    del ram.account.policies[existing]
            ram.create_policy(name, text, "", now=clock.now())
        self.state.persist_account(ram.account)

    create_policy = create_custom_policy

    def attach_user_policy(
        self, account_id: str, user_name: str, policy_name: str, *, policy_type: str = "System"
    ) -> None:
        ram = self._ram(account_id)
        ram.attach_policy_to_user(user_name, policy_type, policy_name, now=clock.now())
        self.state.persist_account(ram.account)

    def create_member_account(
        self,
        display_name: str,
        *,
        access_role: bool = True,
        status: str | None = None,
        join_method: str = "created",
        account_type: str | None = None,
        folder_id: str | None = None,
        account_id: str | None = None,
    ) -> str:
        """A member of the management account's resource directory (in ``folder_id``, default the root folder);
        returns its account id (``account_id`` if given: 10-20 digits, not taken; else the next free one).

        ``status`` is any documented member status; it defaults to CreateSuccess (created) or InviteSuccess
        (invited). Invited members, and those in a status only CreateCloudAccount gives (CreateVerifying, …),
        are CloudAccounts unless ``account_type`` says otherwise. ``access_role=False`` leaves out
        ResourceDirectoryAccountAccessRole; a member not created yet (CreateVerifying, …) has no RAM at all
        until :meth:`set_account_status` moves it on.
        """
        account = directory.create_member_account(
            self.state,
            self._app.system_policies,
            display_name,
            access_role=access_role,
            status=status,
            join_method=join_method,
            account_type=account_type,
            folder_id=folder_id,
            account_id=account_id,
        )
        return account.account_id

    def create_member_accounts(
        self, count: int, *, prefix: str = "member", folder_id: str | None = None, access_role: bool = True
    ) -> list[str]:
        """``count`` created members named ``<prefix>-0000``…, in ``folder_id`` (default root); their ids in order."""
        return [
            self.create_member_account(f"{prefix}-{i:04d}", folder_id=folder_id, access_role=access_role)
            for i in range(count)
        ]

    def create_folder(self, name: str, parent: str | None = None) -> str:
        """A resource-directory folder under ``parent`` (default the root folder, ``emu.root_folder_id``); its id."""
        return directory.create_folder(self.state, name, parent).folder_id

    @property
    def root_folder_id(self) -> str:
        return ROOT_FOLDER_ID

    def set_account_status(self, account_id: str, status: str, *, access_role: bool = True) -> None:
        """Move a member to another documented status (e.g. CreateVerifying -> CreateSuccess once the email is
        confirmed); a member that becomes created gets ResourceDirectoryAccountAccessRole unless access_role=False."""
        directory.set_account_status(self.state, self._app.system_policies, account_id, status, access_role=access_role)

    def leave_directory(self, account_id: str) -> None:
        """The member leaves the resource directory: an account in no directory (GetResourceDirectory answers
        ResourceDirectoryNotInUse, ListAccounts no longer lists it)."""
        account = self._account(account_id)
        if account.is_management:
            raise KeyError(f"{account_id} is the management account")
        with account.lock:
            account.resource_directory_id = None
        self.state.persist_account(account)

    def age_account(self, account_id: str, days: float) -> None:
        """Make a member look as if it joined, and last changed, ``days`` ago (recent-changes sweeps)."""
        account = self._account(account_id)
        with self.state.lock:
            account.join_time = account.modify_time = clock.now() - days * 86_400

    def create_role(
        self,
        account_id: str,
        name: str,
        trust_document: str | Mapping[str, Any] | None = None,
        policies: Iterable[str] = (),
        *,
        custom_policies: Iterable[str] = (),
        description: str = "",
        max_session_duration: int | None = None,
        exist_ok: bool = False,
    ) -> str:
        """A role (trusting ECS unless told otherwise) with system and custom policies attached; returns its ARN.

        With ``exist_ok`` an existing role keeps its settings and only gains the missing attachments.
        """
        if trust_document is None:
            trust_document = trust_for_service(DEFAULT_TRUST_SERVICE)
        text = trust_document if isinstance(trust_document, str) else json.dumps(trust_document)
        ram = self._ram(account_id)
        now = clock.now()
        with ram.account.lock:
            existing = ram.account.roles.get(name.lower())
            if existing is not None and exist_ok:
                role = existing
            else:
                role = ram.create_role(name, text, description, max_session_duration, now=now)
            wanted = [("System", p) for p in policies] + [("Custom", p) for p in custom_policies]
            for policy_type, policy_name in wanted:
                if attachment_key(policy_type, policy_name) not in role.attachments:
                    ram.attach_policy_to_role(name, policy_type, policy_name, now=now)
        self.state.persist_account(ram.account)
        return role.arn

    def service_session(
        self, account_id: str, role_name: str, service: str, *, duration_s: int = 3600, session_name: str = "service"
    ) -> tuple[str, str, str]:
        """Temporary credentials for ``role_name`` as the trusted cloud ``service`` obtains them (e.g. FC).

        Refuses (PermissionError) if the role's trust policy does not name that service.
        Returns ``(access_key_id, access_key_secret, security_token)``.
        """
        role = sts_models.find_role(self.state, account_id, role_name)
        principal = policy.Principal("service", account_id, service)
        if not policy.trust_allows(json.loads(role.trust_document), principal):
            raise PermissionError(f"role {role_name} does not trust {service}")
        issued = sts_models.issue(self.state, account_id, role, session_name, clock.now() + duration_s, None)
        return issued.access_key_id, issued.secret, issued.token

    def role(self, account_id: str, name: str) -> dict[str, Any] | None:
        """A role's stored state (trust document, attachments), or None; for assertions."""
        found = self._account(account_id).roles.get(name.lower())
        return found.to_dict() if found else None

    def system_policy_names(self) -> list[str]:
        return sorted(self._app.system_policies)

    def expire_session(self, access_key_id: str) -> None:
        """Make an STS key's token expired now (to test ``InvalidSecurityToken.Expired``)."""
        with self.state.lock:
            self.state.tokens[access_key_id].expiration = clock.now() - 1

    # --- Function Compute --------------------------------------------------------------------------
    def create_function(
        self,
        account_id: str,
        name: str,
        *,
        handler: FunctionHandler | None = None,
        qualifiers: Iterable[str] = (),
        exist_ok: bool = False,
        config: Mapping[str, Any] | None = None,
        triggers: Iterable[Mapping[str, Any]] = (),
        async_config: Mapping[str, Any] | None = None,
    ) -> str:
        """Register an FC 3.0 function (InvokeFunction of any other name is 404 FunctionNotFound); returns its ARN.

        ``handler(event_bytes, context)`` runs for synchronous invocations (its str/bytes/JSON-able result is the
        body); without it they answer 200 with an empty body. Asynchronous ones are only queued (see
        :meth:`async_invocations`). ``qualifiers``: versions/aliases accepted besides LATEST. ``config``,
        ``triggers``, ``async_config``: what GetFunction, ListTriggers and GetAsyncInvokeConfig answer (FC 3.0 field
        names, emulator/fc/config.py); no ``async_config``: GetAsyncInvokeConfig is 404 AsyncConfigNotExists.
        """
        if not FUNCTION_NAME.fullmatch(name):
            raise ValueError(f"invalid FC function name {name!r} (letters, digits, _ and -, 1-64, no leading digit/-)")
        self._account(account_id)
        function = Function(
            account_id,
            name,
            DEFAULT_REGION,
            frozenset(qualifiers),
            handler,
            clock.now(),
            dict(config or {}),
            tuple(dict(trigger) for trigger in triggers),
            dict(async_config) if async_config is not None else None,
        )
        self.state.functions.add(function, exist_ok=exist_ok)
        return function.arn

    def delete_function(self, account_id: str, name: str) -> bool:
        """Remove a function (as if deleted); whether it existed."""
        return self.state.functions.remove(account_id, name)

    def async_invocations(self, function_name: str, account_id: str | None = None) -> list[AsyncInvocation]:
        """The queued ``x-fc-invocation-type: Async`` invocations of a function (every account unless one is given),
        oldest first; each has ``request_id``, ``body`` (the exact bytes), ``qualifier``, ``invoked_at``."""
        return self.state.functions.queued(function_name, account_id)

    def drain_async(self, function_name: str, account_id: str | None = None) -> list[AsyncInvocation]:
        """Pop what :meth:`async_invocations` returns, e.g. to feed each body to the function's handler."""
        return self.state.functions.drain(function_name, account_id)

    # --- call log ----------------------------------------------------------------------------------
    @property
    def calls(self) -> list[CallRecord]:
        return self.call_log.all()

    def calls_for(
        self, action: str | None = None, account_id: str | None = None, code: str | None = None
    ) -> list[CallRecord]:
        return self.call_log.filter(action=action, account_id=account_id, code=code)


def trust_for_service(service: str) -> str:
    statement = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [service]}}
    return json.dumps({"Statement": [statement], "Version": "1"})


def trust_for_account(account_id: str) -> str:
    statement = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"RAM": [f"acs:ram::{account_id}:root"]}}
    return json.dumps({"Statement": [statement], "Version": "1"})


__all__ = ["Emulator", "apply_fault_spec", "trust_for_account", "trust_for_service"]
