"""What a deployment should look like: the two functions of ``s.yaml`` (handler, runtime, timeout, memory, role,
timers, asynchronous retries and destination) and the role policies of ``deploy/policies``.

``doctor`` compares the cloud with these. They come from the repository's ``s.yaml`` when the CLI runs from a source
checkout (and PyYAML is installed), else from :data:`BUILT_IN`, this release's ``s.yaml`` (a test keeps the two
equal). The placeholder account of ``s.yaml`` (1000000000000001) stands for the caller's account.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

REPO: Final = Path(__file__).resolve().parent.parent
S_YAML: Final = REPO / "s.yaml"
POLICY_DIR: Final = REPO / "deploy" / "policies"
PLACEHOLDER_ACCOUNT: Final = "1000000000000001"


@dataclass(frozen=True)
class Timer:
    name: str
    cron: str
    payload: str


@dataclass(frozen=True)
class FunctionSpec:
    """One function of s.yaml, in FC 3.0's field names where it has them."""

    name: str
    handler: str
    runtime: str
    timeout: int
    memory_size: int
    role: str  # acs:ram::<account>:role/<name>
    policy_file: str  # its role's permission policy in deploy/policies
    timers: tuple[Timer, ...] = ()
    max_async_retry_attempts: int | None = None  # None: no asyncInvokeConfig expected
    max_async_event_age_s: int | None = None
    on_failure: str | None = None

    @property
    def role_name(self) -> str:
        return self.role.rsplit("/", 1)[-1]

    def in_account(self, account_id: str) -> FunctionSpec:
        """The placeholder account replaced by ``account_id`` (role ARN, destination)."""
        failure = self.on_failure.replace(PLACEHOLDER_ACCOUNT, account_id) if self.on_failure else None
        return replace(self, role=self.role.replace(PLACEHOLDER_ACCOUNT, account_id), on_failure=failure)


BUILT_IN: Final = (
    FunctionSpec(
        name="emr-bootstrap-event",
        handler="index.handler",
        runtime="python3.10",
        timeout=600,
        memory_size=1024,
        role=f"acs:ram::{PLACEHOLDER_ACCOUNT}:role/emr-bootstrap-event",
        policy_file="function-event-role-policy.json",
        timers=(
            Timer("sweep-recent-changes", "@every 5m", '{"action": "sweep", "changedWithinMinutes": 10}'),
            Timer("sweep-daily", "0 0 3 * * *", '{"action": "sweep"}'),
        ),
        max_async_retry_attempts=2,
        max_async_event_age_s=86400,
        on_failure=f"acs:mns:cn-hangzhou:{PLACEHOLDER_ACCOUNT}:/queues/emr-bootstrap-failures/messages",
    ),
    FunctionSpec(
        name="emr-bootstrap-http",
        handler="index.http_handler",
        runtime="python3.10",
        timeout=300,
        memory_size=256,
        role=f"acs:ram::{PLACEHOLDER_ACCOUNT}:role/emr-bootstrap-http",
        policy_file="function-http-role-policy.json",
    ),
)
POLICY_FILES: Final = {"event": "function-event-role-policy.json", "http": "function-http-role-policy.json"}


def _resolve(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\$\{vars\.(\w+)\}", lambda m: str(variables.get(m.group(1), m.group(0))), value)
    return value


def from_s_yaml(path: Path) -> tuple[FunctionSpec, ...]:
    """The functions an ``s.yaml`` declares (fc3 component props, ``${vars.X}`` resolved)."""
    import yaml  # a dev dependency: only a source checkout reads s.yaml

    document = yaml.safe_load(path.read_text())
    variables = document.get("vars") or {}
    specs = []
    for resource in (document.get("resources") or {}).values():
        props = {k: _resolve(v, variables) for k, v in (resource.get("props") or {}).items()}
        asynchronous = props.get("asyncInvokeConfig") or {}
        on_failure = ((asynchronous.get("destinationConfig") or {}).get("onFailure") or {}).get("destination")
        timers = tuple(
            Timer(t["triggerName"], t["triggerConfig"]["cronExpression"], t["triggerConfig"].get("payload", ""))
            for t in props.get("triggers") or []
            if t.get("triggerType") == "timer"
        )
        handler = str(props["handler"])
        specs.append(
            FunctionSpec(
                name=str(props["functionName"]),
                handler=handler,
                runtime=str(props["runtime"]),
                timeout=int(props["timeout"]),
                memory_size=int(props["memorySize"]),
                role=str(props["role"]),
                policy_file=POLICY_FILES["http" if handler.endswith("http_handler") else "event"],
                timers=timers,
                max_async_retry_attempts=asynchronous.get("maxAsyncRetryAttempts"),
                max_async_event_age_s=asynchronous.get("maxAsyncEventAgeInSeconds"),
                on_failure=_resolve(on_failure, variables) if on_failure else None,
            )
        )
    return tuple(specs)


def expected(path: Path | None = None) -> tuple[tuple[FunctionSpec, ...], str]:
    """The functions to expect and where that came from: ``path`` (or the repository's s.yaml) when readable,
    else :data:`BUILT_IN`."""
    source = path or S_YAML
    if source.is_file():
        try:
            return from_s_yaml(source), f"{source}"
        except ImportError:
            if path is not None:
                raise
    return BUILT_IN, "built-in expected values (this release's s.yaml)"


def shipped_policy(name: str) -> dict[str, Any] | None:
    """A document of deploy/policies, or None outside a source checkout."""
    file = POLICY_DIR / name
    return json.loads(file.read_text()) if file.is_file() else None


def fc_config(spec: FunctionSpec) -> dict[str, Any]:
    """What FC 3.0 GetFunction answers for a function deployed from ``spec`` (SDK model Function's names)."""
    return {
        "handler": spec.handler,
        "runtime": spec.runtime,
        "timeout": spec.timeout,
        "memorySize": spec.memory_size,
        "role": spec.role,
    }


def fc_triggers(spec: FunctionSpec) -> list[dict[str, Any]]:
    """Its timer triggers as ListTriggers answers them (``triggerConfig`` a JSON string, SDK model Trigger)."""
    return [
        {
            "triggerName": timer.name,
            "triggerType": "timer",
            "triggerConfig": json.dumps({"cronExpression": timer.cron, "enable": True, "payload": timer.payload}),
        }
        for timer in spec.timers
    ]


def fc_async_config(spec: FunctionSpec) -> dict[str, Any] | None:
    """Its asynchronous configuration as GetAsyncInvokeConfig answers it (SDK model AsyncConfig), or None."""
    if spec.max_async_retry_attempts is None:
        return None
    config: dict[str, Any] = {
        "maxAsyncRetryAttempts": spec.max_async_retry_attempts,
        "maxAsyncEventAgeInSeconds": spec.max_async_event_age_s,
    }
    if spec.on_failure:
        config["destinationConfig"] = {"onFailure": {"destination": spec.on_failure}}
    return config
