"""Authentication at the wire: V3 and V1 signatures and their real failure codes (docs/alibaba-cloud.md §1.3, §5)."""

from __future__ import annotations

import http.client
import json
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi import utils_models
from darabonba.exceptions import UnretryableException
from darabonba.runtime import RuntimeOptions

from emulator.testing import signed_v3_headers, trust_for_service
from tests.emulator import sdk

if TYPE_CHECKING:
    from emulator.testing import Emulator


RAM_VERSION = "2015-05-01"


@pytest.fixture(scope="module")
def session(emulator: Emulator) -> tuple[str, str, str]:
    member = emulator.create_member_account("sig-member")
    key = emulator.create_user(emulator.management_account_id, "signer", ["AliyunSTSAssumeRoleAccess"])
    arn = f"acs:ram::{member}:role/ResourceDirectoryAccountAccessRole"
    creds = sdk.sts(emulator, key).assume_role(sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="sig"))
    c = creds.body.credentials
    return c.access_key_id, c.access_key_secret, c.security_token


def get_role(client, name: str = "ResourceDirectoryAccountAccessRole"):
    return client.get_role(ram_models.GetRoleRequest(role_name=name))


def test_v3_signature_with_awkward_characters_in_parameters_verifies(emulator: Emulator) -> None:
    ram = sdk.ram(emulator)
    trust = trust_for_service("ecs.aliyuncs.com")
    request = ram_models.CreateRoleRequest(
        role_name="awkward", assume_role_policy_document=trust, description="a b~c/+&=*ü%20"
    )
    assert ram.create_role(request).body.role.description == "a b~c/+&=*ü%20"


def test_wrong_secret_is_signature_does_not_match(emulator: Emulator) -> None:
    access_key_id, _ = emulator.root_key
    ram = sdk.ram(emulator, (access_key_id, "not-the-secret"))
    error = sdk.expect_error(partial(get_role, ram, "x"), 400, "SignatureDoesNotMatch")
    assert "server string to sign is:ACS3-HMAC-SHA256" in error.data["Message"]


def test_unknown_access_key_is_404_not_found(emulator: Emulator) -> None:
    ram = sdk.ram(emulator, ("LTAIunknownunknownunkno", "secret"))
    sdk.expect_error(partial(get_role, ram, "x"), 404, "InvalidAccessKeyId.NotFound")


def test_sts_key_without_its_token_is_missing_security_token(emulator: Emulator, session) -> None:
    access_key_id, secret, _ = session
    sdk.expect_error(partial(get_role, sdk.ram(emulator, (access_key_id, secret))), 400, "MissingSecurityToken")


def test_sts_key_with_a_tampered_token_is_malformed(emulator: Emulator, session) -> None:
    access_key_id, secret, token = session
    ram = sdk.ram(emulator, (access_key_id, secret), token[:-4] + "AAAA")
    sdk.expect_error(partial(get_role, ram), 400, "InvalidSecurityToken.Malformed")


def test_sts_key_with_the_token_of_another_session_is_a_mismatch(emulator: Emulator, session) -> None:
    access_key_id, secret, _ = session
    member = emulator.create_member_account("sig-other-session")
    emulator.create_role(member, "FcRole", trust_for_service("fc.aliyuncs.com"))
    _, _, other_token = emulator.service_session(member, "FcRole", "fc.aliyuncs.com")
    ram = sdk.ram(emulator, (access_key_id, secret), other_token)
    sdk.expect_error(partial(get_role, ram), 400, "InvalidSecurityToken.MismatchWithAccessKey")


def test_expired_sts_token_is_403_expired(emulator: Emulator) -> None:
    member = emulator.create_member_account("sig-expiry")
    key = emulator.create_user(emulator.management_account_id, "expirer", ["AliyunSTSAssumeRoleAccess"])
    arn = f"acs:ram::{member}:role/ResourceDirectoryAccountAccessRole"
    c = sdk.sts(emulator, key).assume_role(sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="old"))
    creds = c.body.credentials
    ram = sdk.ram(emulator, (creds.access_key_id, creds.access_key_secret), creds.security_token)
    assert get_role(ram).body.role

    emulator.expire_session(creds.access_key_id)

    sdk.expect_error(partial(get_role, ram), 403, "InvalidSecurityToken.Expired")


def test_v1_signature_with_a_wrong_secret_fails_the_credential_refresh(emulator: Emulator) -> None:
    member = emulator.create_member_account("sig-v1")
    key_id, _ = emulator.create_user(emulator.management_account_id, "v1-bad", ["AliyunSTSAssumeRoleAccess"])
    arn = f"acs:ram::{member}:role/ResourceDirectoryAccountAccessRole"
    credential = sdk.role_arn_credential(emulator, (key_id, "wrong-secret"), arn)
    with pytest.raises((CredentialException, UnretryableException)) as caught:
        get_role(sdk.ram_with_credential(emulator, credential))
    assert "SignatureDoesNotMatch" in str(caught.value)


def test_unknown_action_is_invalid_action_not_found(emulator: Emulator) -> None:
    params = utils_models.Params(
        action="NoSuchAction",
        version="2015-05-01",
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    call = partial(sdk.ram(emulator).call_api, params, utils_models.OpenApiRequest(query={}), RuntimeOptions())
    sdk.expect_error(call, 404, "InvalidAction.NotFound")


def raw_post(emulator: Emulator, query: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """One request over plain http.client, for what the SDK never sends (tampered, replayed, half-signed)."""
    connection = http.client.HTTPConnection(emulator.host, timeout=5)
    try:
        connection.request("POST", "/?" + urlencode(query), headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_independently_signed_raw_request_succeeds(emulator: Emulator) -> None:
    query = {"RoleName": "raw-signed"}
    emulator.create_role(emulator.management_account_id, "raw-signed")
    headers = signed_v3_headers(emulator.host, "GetRole", RAM_VERSION, emulator.root_key, query)
    status, body = raw_post(emulator, query, headers)
    assert (status, body["Role"]["RoleName"]) == (200, "raw-signed")


def test_tampered_query_parameter_is_signature_does_not_match(emulator: Emulator) -> None:
    headers = signed_v3_headers(emulator.host, "GetRole", RAM_VERSION, emulator.root_key, {"RoleName": "a"})
    status, body = raw_post(emulator, {"RoleName": "b"}, headers)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")


def test_tampered_signed_action_header_is_signature_does_not_match(emulator: Emulator) -> None:
    query = {"RoleName": "a"}
    headers = signed_v3_headers(emulator.host, "GetRole", RAM_VERSION, emulator.root_key, query)
    headers["x-acs-action"] = "DeleteRole"
    status, body = raw_post(emulator, query, headers)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")


@pytest.mark.parametrize("header", ["x-acs-action", "x-acs-signature-nonce", "host", "x-acs-date"])
def test_a_present_common_header_left_out_of_signed_headers_is_incomplete_signature(
    emulator: Emulator, header: str
) -> None:
    query = {"RoleName": "a"}
    headers = signed_v3_headers(emulator.host, "GetRole", RAM_VERSION, emulator.root_key, query)
    algorithm, fields = headers["Authorization"].split(" ", 1)
    credential, signed, signature = fields.split(",")
    names = [n for n in signed.removeprefix("SignedHeaders=").split(";") if n != header]
    headers["Authorization"] = f"{algorithm} {credential},SignedHeaders={';'.join(names)},{signature}"
    status, body = raw_post(emulator, query, headers)
    assert (status, body["Code"]) == (400, "IncompleteSignature")
    assert header in body["Message"]


def test_a_replayed_request_is_signature_nonce_used(emulator: Emulator) -> None:
    query = {"RoleName": "replayed"}
    emulator.create_role(emulator.management_account_id, "replayed")
    headers = signed_v3_headers(emulator.host, "GetRole", RAM_VERSION, emulator.root_key, query)
    assert raw_post(emulator, query, headers)[0] == 200
    status, body = raw_post(emulator, query, headers)
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")
    assert body["Message"] == "Specified signature nonce was used already."


def test_unknown_version_is_invalid_version(emulator: Emulator) -> None:
    headers = signed_v3_headers(emulator.host, "GetRole", "2099-01-01", emulator.root_key, {})
    status, body = raw_post(emulator, {}, headers)
    assert (status, body["Code"], body["Message"]) == (
        400,
        "InvalidVersion",
        "Specified parameter Version is not valid.",
    )


def test_malformed_authorization_header_is_incomplete_signature(emulator: Emulator) -> None:
    # The SDK never sends a malformed header, so this one check speaks HTTP directly.
    connection = http.client.HTTPConnection(emulator.host, timeout=5)
    headers = {
        "x-acs-action": "GetRole",
        "x-acs-version": "2015-05-01",
        "Authorization": "ACS3-HMAC-SHA256 garbage",
    }
    connection.request("POST", "/?RoleName=x", headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 400
    assert b'"Code":"IncompleteSignature"' in body
