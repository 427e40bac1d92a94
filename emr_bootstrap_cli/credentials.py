"""The operator's credentials, from the alibabacloud-credentials default chain.

Order: ``--profile NAME`` (or ``ALIBABA_CLOUD_PROFILE``) picks that profile of ``~/.aliyun/config.json`` or
``~/.alibabacloud/credentials.ini`` and nothing else; otherwise ``ALIBABA_CLOUD_ACCESS_KEY_ID`` /
``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` (/ ``ALIBABA_CLOUD_SECURITY_TOKEN``), read as the function reads them; otherwise
the library's default chain (the CLI profile marked current, the ``default`` section of credentials.ini, a
credentials URI).

The chain ends with the ECS metadata service, a link-local address. :func:`guard_ecs_metadata` turns that link off
before the library is imported (it reads its variables on import), unless the operator opts in by setting
``ALIBABA_CLOUD_ECS_METADATA_DISABLED=false`` (on an ECS instance with a RAM role).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.adapters.credentials import FunctionCredentials

from emr_bootstrap_cli.errors import CredentialsProblem

if TYPE_CHECKING:
    from collections.abc import MutableMapping

ECS_METADATA_DISABLED: Final = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
PROFILE_VAR: Final = "ALIBABA_CLOUD_PROFILE"
SETUP_HINT: Final = (
    "Set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or create a profile with `aliyun configure` "
    "(~/.aliyun/config.json; pick it with --profile), or try --local to run against an embedded emulator."
)


def guard_ecs_metadata(env: MutableMapping[str, str]) -> None:
    """Keep the chain off the ECS metadata service unless the operator said otherwise."""
    if env.get(ECS_METADATA_DISABLED, "").strip().lower() != "false":
        env[ECS_METADATA_DISABLED] = "true"


def resolve(profile: str | None, env: MutableMapping[str, str]) -> FunctionCredentials:
    """The credentials to run with; :class:`CredentialsProblem` (exit 3) when the chain finds none."""
    if profile:
        return _snapshot(_profile_credentials(profile), f"profile {profile!r}")
    from_env = FunctionCredentials.from_invocation(None, env)
    if from_env is not None:
        return from_env
    from alibabacloud_credentials.exceptions import CredentialException
    from alibabacloud_credentials.provider.default import DefaultCredentialsProvider

    try:
        found = DefaultCredentialsProvider().get_credentials()
    except CredentialException as exc:
        raise CredentialsProblem(
            "no Alibaba Cloud credentials found (environment variables, ~/.aliyun/config.json, credentials.ini)",
            SETUP_HINT,
        ) from exc
    return _snapshot(found, "the default credentials chain")


def _profile_credentials(profile: str) -> Any:
    from alibabacloud_credentials.provider.cli_profile import CLIProfileCredentialsProvider
    from alibabacloud_credentials.provider.profile import ProfileCredentialsProvider

    problems = []
    for provider in (
        CLIProfileCredentialsProvider(profile_name=profile),
        ProfileCredentialsProvider(profile_name=profile),
    ):
        try:
            return provider.get_credentials()
        except Exception as exc:  # the library raises CredentialException, and others for a broken profile
            problems.append(type(exc).__name__)
    raise CredentialsProblem(
        f"no usable profile {profile!r} in ~/.aliyun/config.json or ~/.alibabacloud/credentials.ini "
        f"({', '.join(problems)})",
        f"List your profiles with `aliyun configure list`, or create this one with `aliyun configure --profile "
        f"{profile}`; or try --local to run against an embedded emulator.",
    )


def _snapshot(credentials: Any, source: str) -> FunctionCredentials:
    key_id, secret = credentials.get_access_key_id(), credentials.get_access_key_secret()
    if not key_id or not secret:
        raise CredentialsProblem(f"{source} gave no access key", SETUP_HINT)
    return FunctionCredentials(key_id, secret, credentials.get_security_token() or None)


__all__ = ["ECS_METADATA_DISABLED", "PROFILE_VAR", "SETUP_HINT", "guard_ecs_metadata", "resolve"]
