"""Same version end to end: the qualifier an invocation ran under is read from the FC context as each Python
runtime gives it ("Context", docs/fc-notes.md §1.3), a setting overrides it, and only the event function's handler
gets a way to invoke the function at all."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from emr_bootstrap.adapters.credentials import FunctionCredentials
from emr_bootstrap.adapters.settings import Settings
from emr_bootstrap.application import fc
from emr_bootstrap.application.app import sdk_ports
from emr_bootstrap.application.invocation import Invocation
from emr_bootstrap.shared.errors import SettingsError

from emulator.local_fc import Context, Credentials, FunctionMeta, ServiceMeta

FUNCTION_310 = SimpleNamespace(name="emr-bootstrap-event", handler="index.handler", memory=1024, timeout=600)
KEYS = FunctionCredentials("STS.key", "secret", "token")


def context_310(qualifier: str) -> SimpleNamespace:
    service = SimpleNamespace(name="s", log_project="p", log_store="l", qualifier=qualifier, version_id="3")
    return SimpleNamespace(request_id="r", function=FUNCTION_310, service=service, region="cn-hangzhou")


def test_python310_gives_the_qualifier_on_the_service() -> None:
    assert fc.invocation(context_310("prod"), {}).qualifier == "prod"


def test_python312_gives_the_qualifier_on_the_function() -> None:
    function = SimpleNamespace(**vars(FUNCTION_310), version_id="3", qualifier="prod")
    assert fc.invocation(SimpleNamespace(request_id="r", function=function), {}).qualifier == "prod"


def test_fc2_s_fc_qualifier_variable_is_not_read_and_no_qualifier_means_latest() -> None:
    invocation = fc.invocation(SimpleNamespace(request_id="r", function=FUNCTION_310), {"FC_QUALIFIER": "prod"})
    assert invocation.qualifier is None  # InvokeFunction without a qualifier runs LATEST


def test_only_the_event_function_s_handler_may_invoke_itself() -> None:
    assert fc.invocation(context_310("1"), {}).may_invoke_itself is False
    assert fc.invocation(context_310("1"), {}, may_invoke_itself=True).may_invoke_itself is True


def ports_for(env: dict[str, str], *, may_invoke_itself: bool = True) -> object:
    invocation = Invocation(
        "r",
        credentials=KEYS,
        own_account_id="1000000000000001",
        function_name="emr-bootstrap-event",
        qualifier="prod",
        region="cn-hangzhou",
        may_invoke_itself=may_invoke_itself,
    )
    return sdk_ports(Settings.from_env(env), invocation).dispatcher


@pytest.mark.parametrize(("env", "qualifier"), [({}, "prod"), ({"EMR_BOOTSTRAP_QUALIFIER": "stable"}, "stable")])
def test_batches_and_continuations_invoke_the_invocation_s_qualifier_unless_the_setting_names_one(
    env: dict[str, str], qualifier: str
) -> None:
    dispatcher = ports_for(env)
    assert dispatcher is not None and getattr(dispatcher, "qualifier", None) == qualifier


def test_an_invocation_that_may_not_invoke_itself_gets_no_dispatcher() -> None:
    assert ports_for({}, may_invoke_itself=False) is None


@pytest.mark.parametrize("bad", ["-prod", "a b", "x" * 129, "prod/1"])
def test_an_unusable_qualifier_setting_is_a_configuration_error(bad: str) -> None:
    with pytest.raises(SettingsError, match="EMR_BOOTSTRAP_QUALIFIER"):
        Settings.from_env({"EMR_BOOTSTRAP_QUALIFIER": bad})


def test_the_local_fc_context_has_the_python310_shape_exactly() -> None:
    context = Context("r", Credentials("a", "b", "c"), "1000000000000001", service=ServiceMeta(qualifier="prod"))

    assert [f.name for f in dataclasses.fields(FunctionMeta)] == ["name", "handler", "memory", "timeout"]
    assert [f.name for f in dataclasses.fields(ServiceMeta)] == [
        "name",
        "log_project",
        "log_store",
        "qualifier",
        "version_id",
    ]
    assert {f.name for f in dataclasses.fields(Context)} == {
        "request_id",
        "credentials",
        "account_id",
        "region",
        "function",
        "service",
    }
    assert not hasattr(context.function, "qualifier") and fc.invocation(context, {}).qualifier == "prod"
