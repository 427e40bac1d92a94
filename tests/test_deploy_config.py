"""s.yaml: valid fc3 props, safe triggers, an EventBridge pattern that matches exactly the events we handle.

The schema is devsapp/fc3 ``src/schema.json``, vendored as ``tests/data/fc3-props-schema.json`` (origin, commit
and licence in ``tests/data/README.md``).
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from emr_bootstrap.intake.events import NewAccountEvents, parse_trigger

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / "tests" / "data" / "fc3-props-schema.json"
EVENTS = REPO / "events"
_VAR = re.compile(r"\$\{vars\.([A-Za-z0-9_]+)\}")

# fc3's ITrigger.triggerConfig is an anyOf that includes an empty object schema (IOtsConfig), so it accepts any
# mapping; check each config against the definition for its triggerType as well.
TRIGGER_DEFINITIONS = {"eventbridge": "IEventBridge", "http": "IHttpTriggerConfig", "timer": "ITimerTriggerConfig"}


def load_schema() -> dict[str, Any]:
    if not SCHEMA_PATH.is_file():
        pytest.fail(f"fc3 component schema not found at {SCHEMA_PATH}: restore it from git (see tests/data/README.md)")
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def resolve_vars(node: Any, variables: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        return {k: resolve_vars(v, variables) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_vars(v, variables) for v in node]
    if isinstance(node, str):
        whole = _VAR.fullmatch(node)
        if whole:  # keep the variable's type (Serverless Devs substitutes whole values)
            return variables[whole.group(1)]
        return _VAR.sub(lambda m: str(variables[m.group(1)]), node)
    return node


def load_project() -> dict[str, Any]:
    raw = yaml.safe_load((REPO / "s.yaml").read_text())
    project: dict[str, Any] = resolve_vars(raw, raw.get("vars", {}))
    return project


PROJECT = load_project()
RESOURCES: dict[str, dict[str, Any]] = PROJECT["resources"]


def props_of(name: str) -> dict[str, Any]:
    props: dict[str, Any] = RESOURCES[name]["props"]
    return props


def triggers(trigger_type: str) -> list[dict[str, Any]]:
    return [t for r in RESOURCES.values() for t in r["props"].get("triggers", []) if t["triggerType"] == trigger_type]


def eventbridge_pattern() -> dict[str, Any]:
    (trigger,) = triggers("eventbridge")
    pattern: dict[str, Any] = json.loads(trigger["triggerConfig"]["eventRuleFilterPattern"])
    return pattern


# ---------------------------------------------------------------------------------------------- pattern matcher
def matches(pattern: dict[str, Any], event: Any) -> bool:
    """The subset of EventBridge patterns s.yaml uses: nested objects, lists of exact values, ``prefix``, ``suffix``.

    Semantics per https://www.alibabacloud.com/help/en/doc-detail/181432.htm: every key must match; a list matches
    when any of its entries does. Other operators fail loudly so the test grows with the pattern.
    """
    if not isinstance(event, dict):
        return False
    for key, rule in pattern.items():
        value = event.get(key)
        if isinstance(rule, dict):
            if not matches(rule, value):
                return False
        elif isinstance(rule, list):
            if not any(_matches_entry(entry, value) for entry in rule):
                return False
        else:
            raise AssertionError(f"pattern key {key!r}: expected an object or a list, got {rule!r}")
    return True


def _matches_entry(entry: Any, value: Any) -> bool:
    if isinstance(entry, dict):
        if len(entry) != 1 or set(entry) - {"prefix", "suffix"}:
            raise AssertionError(f"matcher supports only 'prefix' or 'suffix', not {sorted(entry)}")
        if not isinstance(value, str):
            return False
        return value.startswith(entry["prefix"]) if "prefix" in entry else value.endswith(entry["suffix"])
    return bool(entry == value)


def test_matcher_understands_nesting_lists_and_suffix() -> None:
    pattern = {"type": [{"suffix": ":B"}], "data": {"n": ["x", "y"]}}
    assert matches(pattern, {"type": "a:B", "data": {"n": "y"}})
    assert not matches(pattern, {"type": "a:C", "data": {"n": "y"}})
    assert not matches(pattern, {"type": "a:B", "data": {"n": "z"}})
    assert not matches(pattern, {"type": "a:B"})
    prefixed = {"source": [{"prefix": "acs."}, "x"]}
    assert matches(prefixed, {"source": "acs.oss"}) and matches(prefixed, {"source": "x"})
    assert not matches(prefixed, {"source": "my.acs."}) and not matches(prefixed, {"source": ["acs.oss"]})
    with pytest.raises(AssertionError, match="only 'prefix' or 'suffix'"):
        matches({"type": [{"contains": "a"}]}, {"type": "a"})


# ---------------------------------------------------------------------------------------------- schema
@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_resource_props_are_valid_fc3_props(name: str) -> None:
    schema = load_schema()
    assert RESOURCES[name]["component"] == "fc3"
    schema = {**schema, "definitions": _as_in_the_example(schema["definitions"])}
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(props_of(name)), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


# The schema is generated from the component's TypeScript interface (src/interface/trigger.ts), where every key of
# the EventBridge config is declared non-optional; the component's own Default-bus example
# (__tests__/e2e/trigger/eb/s.yaml) leaves these out, and the component passes triggerConfig to FC as given. Only
# their absence is tolerated: any of them that is present is still validated.
EXAMPLE_OMITS = {"IEventBridge": {"eventSinkConfig", "runOptions"}, "eventSourceConfig": {"eventSourceParameters"}}


def _as_in_the_example(definitions: dict[str, Any]) -> dict[str, Any]:
    patched: dict[str, Any] = json.loads(json.dumps(definitions))
    bridge = patched["IEventBridge"]
    bridge["required"] = [k for k in bridge["required"] if k not in EXAMPLE_OMITS["IEventBridge"]]
    source = bridge["properties"]["eventSourceConfig"]
    source["required"] = [k for k in source["required"] if k not in EXAMPLE_OMITS["eventSourceConfig"]]
    return patched


def test_the_example_tolerance_relaxes_only_the_three_keys_the_fc3_example_omits() -> None:
    original = load_schema()["definitions"]["IEventBridge"]
    relaxed = _as_in_the_example(load_schema()["definitions"])["IEventBridge"]
    assert set(original["required"]) - set(relaxed["required"]) == {"eventSinkConfig", "runOptions"}
    assert set(relaxed["required"]) == {
        "asyncInvocationType",
        "eventRuleFilterPattern",
        "eventSourceConfig",
        "triggerEnable",
    }
    assert relaxed["properties"]["eventSourceConfig"]["required"] == ["eventSourceType"]


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_trigger_configs_are_valid_for_their_trigger_type(name: str) -> None:
    schema = load_schema()
    definitions = _as_in_the_example(schema["definitions"])
    for trigger in props_of(name).get("triggers", []):
        definition = TRIGGER_DEFINITIONS[trigger["triggerType"]]
        sub = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
        errors = list(jsonschema.Draft7Validator(sub).iter_errors(trigger["triggerConfig"]))
        assert [f"{trigger['triggerName']}: {e.message}" for e in errors] == []


def test_project_is_serverless_devs_3() -> None:
    assert PROJECT["edition"] == "3.0.0"
    assert "${" not in json.dumps(PROJECT), "unresolved ${...} reference in s.yaml"


def test_both_functions_share_the_packaged_code_runtime_and_settings_each_with_its_own_role() -> None:
    event, http = props_of("emr_bootstrap_event"), props_of("emr_bootstrap_http")
    assert (event["role"], http["role"]) == (PROJECT["vars"]["eventRole"], PROJECT["vars"]["httpRole"])
    assert event["role"] != http["role"]  # least privilege per function (deploy/policies/README.md)
    for props in (event, http):
        assert props["code"] == "./build/package"  # what `make package` (scripts/package.py) writes
        assert props["runtime"] == "python3.10"
        assert props["logConfig"] == "auto"
        env = props["environmentVariables"]
        assert env["EMR_BOOTSTRAP_MEMBER_ROLE"] == "ResourceDirectoryAccountAccessRole"
        assert env["EMR_BOOTSTRAP_LOG_LEVEL"] == "INFO"
        # Endpoints stay at the real defaults in a deployment: an override here would point production elsewhere.
        assert not [k for k in env if k.endswith("_ENDPOINT")]
    assert (event["handler"], http["handler"]) == ("index.handler", "index.http_handler")
    assert event["functionName"] != http["functionName"]


def test_roles_are_fc_role_arns_in_the_placeholder_management_account() -> None:
    for var in ("eventRole", "httpRole"):
        assert re.fullmatch(r"acs:ram::[0-9]{16}:role/[A-Za-z0-9.-]{1,64}", PROJECT["vars"][var]), var


# ---------------------------------------------------------------------------------------------- triggers
def test_http_trigger_requires_signature_auth_and_serves_the_api_methods_only() -> None:
    (trigger,) = triggers("http")
    assert trigger["triggerConfig"]["authType"] == "function"
    # GET (and HEAD) read (catalog, health, the OpenAPI document); writes happen only on POST.
    assert trigger["triggerConfig"]["methods"] == ["GET", "HEAD", "POST"]


def test_http_function_has_only_the_http_trigger_and_event_function_only_eventbridge() -> None:
    # One trigger kind per function: HTTP-wrapped API calls must never reach the event handler
    # (docs/fc-notes.md §2.2).
    assert [t["triggerType"] for t in props_of("emr_bootstrap_http")["triggers"]] == ["http"]
    assert sorted(t["triggerType"] for t in props_of("emr_bootstrap_event")["triggers"]) == [
        "eventbridge",
        "timer",
        "timer",
    ]


def test_the_two_timers_sweep_recent_changes_often_and_everything_daily() -> None:
    from emr_bootstrap.intake.jobs import SweepJob, job_for
    from emr_bootstrap.intake.triggers import TimerInvocation

    windows = []
    for trigger in triggers("timer"):
        config = trigger["triggerConfig"]
        assert config["enable"] is True
        job = job_for(TimerInvocation(trigger["triggerName"], "t", config["payload"]), request_id="r")
        assert isinstance(job, SweepJob) and job.origin == "timer"
        windows.append(job.request.changed_within_minutes)
    assert sorted(windows, key=str) == [10, None]


def test_eventbridge_trigger_sets_only_what_the_fc3_default_bus_example_sets() -> None:
    # devsapp/fc3 __tests__/e2e/trigger/eb/s.yaml (commit 4ca1c1b), the Default-bus trigger: these four keys only.
    # FC 2023-03-30 DeliveryOption has concurrency and eventSchema and no mode, so nothing invented is sent.
    (trigger,) = triggers("eventbridge")
    config = trigger["triggerConfig"]
    assert set(config) == {"triggerEnable", "asyncInvocationType", "eventRuleFilterPattern", "eventSourceConfig"}
    assert config["triggerEnable"] is True and config["asyncInvocationType"] is True
    assert config["eventSourceConfig"] == {"eventSourceType": "Default"}


ACTIONTRAIL_SAMPLES = sorted(p.name for p in EVENTS.glob("actiontrail-*.json") if "rawdata" not in p.name)


def test_there_are_actiontrail_samples_to_check_the_pattern_against() -> None:
    assert len(ACTIONTRAIL_SAMPLES) >= 5


@pytest.mark.parametrize("name", ACTIONTRAIL_SAMPLES)
def test_eventbridge_pattern_matches_a_sample_exactly_when_its_event_name_is_handled(name: str) -> None:
    event = json.loads((EVENTS / name).read_text())
    trigger = parse_trigger((EVENTS / name).read_bytes())
    assert isinstance(trigger, NewAccountEvents)
    unrelated = any(i.code == "unrelated-event" for i in trigger.ignored)
    # Failed calls match the pattern (EventBridge cannot test for a missing errorCode) and the parser drops them.
    assert matches(eventbridge_pattern(), event) is not unrelated


@pytest.mark.parametrize(
    ("source", "event_type"),
    [
        ("acs.actiontrail", "actiontrail:ActionTrail:ApiCall"),  # EventBridge "ActionTrail events", doc-detail/204963
        ("acs.resourcemanager", "resourcemanager:ActionTrail:ApiCall"),  # the per-service form
    ],
)
def test_eventbridge_pattern_matches_both_documented_forms(source: str, event_type: str) -> None:
    forms = [json.loads(p.read_text()) for p in EVENTS.glob("actiontrail-*.json") if "rawdata" not in p.name]
    samples = [e for e in forms if (e["source"], e["type"]) == (source, event_type)]
    assert samples, f"no sample of the {event_type} form in events/"
    handled = [e for e in samples if e["data"]["eventName"] != "CreateFolder"]
    assert handled and all(matches(eventbridge_pattern(), e) for e in handled)
    for other in ({"source": "custom.app"}, {"type": event_type.replace("ApiCall", "ConsoleOperation")}):
        assert not matches(eventbridge_pattern(), {**handled[0], **other})


def test_the_readme_gives_the_same_eventbridge_pattern_as_s_yaml() -> None:
    readme = (REPO / "README.md").read_text()
    shown = re.findall(r"\{\"source\".*?\]\}\}", readme)
    assert len(shown) == 2 and all(json.loads(text) == eventbridge_pattern() for text in shown)


def test_eventbridge_pattern_matches_the_handled_events_of_the_batch_only() -> None:
    batch = json.loads((EVENTS / "eventbridge-batch.json").read_text())
    assert [e["data"]["eventName"] for e in batch if matches(eventbridge_pattern(), e)] == [
        "CreateResourceAccount",
        "CreateCloudAccount",
    ]


# ---------------------------------------------------------------------------------------------- handlers
@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_handlers_named_in_s_yaml_are_callables_in_function_index(name: str) -> None:
    props = props_of(name)
    initializer = props["instanceLifecycleConfig"]["initializer"]["handler"]
    assert initializer == "index.initialize"
    for handler in (props["handler"], initializer):
        module_name, _, attribute = handler.partition(".")
        assert (REPO / "function" / f"{module_name}.py").is_file(), f"function/{module_name}.py is missing"
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attribute, None)), f"{module_name}.{attribute} is not a callable"
