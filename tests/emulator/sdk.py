"""Official SDK clients pointed at an emulator; the conformance tests talk to it only through these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_fc20230330.client import Client as FcClient
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils_models import Config

if TYPE_CHECKING:
    from collections.abc import Callable

    from emulator.testing import Emulator


def config(emu: Emulator, key: tuple[str, str], token: str | None = None) -> Config:
    return Config(
        access_key_id=key[0], access_key_secret=key[1], security_token=token, endpoint=emu.host, protocol="http"
    )


def ram(emu: Emulator, key: tuple[str, str] | None = None, token: str | None = None) -> RamClient:
    return RamClient(config(emu, key or emu.root_key, token))


def sts(emu: Emulator, key: tuple[str, str] | None = None, token: str | None = None) -> StsClient:
    return StsClient(config(emu, key or emu.root_key, token))


def rm(emu: Emulator, key: tuple[str, str] | None = None, token: str | None = None) -> ResourceManagerClient:
    return ResourceManagerClient(config(emu, key or emu.root_key, token))


def fc(emu: Emulator, key: tuple[str, str] | None = None, token: str | None = None) -> FcClient:
    """FC 3.0; the real endpoint is ``<accountId>.<region>.fc.aliyuncs.com``, here the emulator's host."""
    return FcClient(config(emu, key or emu.root_key, token))


def role_arn_credential(
    emu: Emulator, key: tuple[str, str], role_arn: str, *, session: str = "v1-session", policy: str | None = None
) -> CredentialClient:
    """alibabacloud-credentials' RamRoleArn provider: it calls STS AssumeRole with the V1 signature."""
    return CredentialClient(
        CredentialConfig(
            type="ram_role_arn",
            access_key_id=key[0],
            access_key_secret=key[1],
            role_arn=role_arn,
            role_session_name=session,
            policy=policy,
            sts_endpoint=emu.endpoint,
        )
    )


def ram_with_credential(emu: Emulator, credential: CredentialClient) -> RamClient:
    return RamClient(Config(credential=credential, endpoint=emu.host, protocol="http"))


def api_error(call: Callable[[], Any]) -> AlibabaCloudException:
    """Run ``call`` and return the SDK exception it must raise."""
    with pytest.raises(AlibabaCloudException) as caught:
        call()
    return caught.value


def expect_error(call: Callable[[], Any], status: int, code: str) -> AlibabaCloudException:
    error = api_error(call)
    assert (error.status_code, error.code) == (status, code), error.data
    return error
