"""The naive baseline: the same sweep done one call at a time, the way a straightforward script would.

ListAccounts pages, then per account AssumeRole and, per default role, GetRole and ListPoliciesForRole, creating
and attaching what is missing. No concurrency, no pacing, no verification reads. Run by ``bench.sweep`` with the
function's credentials in the environment and the emulator's endpoint as its argument.
"""

from __future__ import annotations

import json
import os
import sys
import time

from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config

ROLES = {
    "AliyunEMRDefaultRole": ("emr.aliyuncs.com", "AliyunEMRRolePolicy"),
    "AliyunECSInstanceForEMRRole": ("ecs.aliyuncs.com", "AliyunECSInstanceForEMRRolePolicy"),
}


def config(endpoint: str, ak: str, secret: str, token: str | None) -> Config:
    host = endpoint.removeprefix("http://")
    return Config(access_key_id=ak, access_key_secret=secret, security_token=token, endpoint=host, protocol="http")


def main() -> int:
    endpoint = sys.argv[1]
    own = os.environ["FC_ACCOUNT_ID"]
    creds = (
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        os.environ["ALIBABA_CLOUD_SECURITY_TOKEN"],
    )
    rm = ResourceManagerClient(config(endpoint, *creds))
    sts = StsClient(config(endpoint, *creds))
    calls = 0
    start = time.perf_counter()
    page, members = 1, []
    while True:
        body = rm.list_accounts(rm_models.ListAccountsRequest(page_number=page, page_size=100)).body
        calls += 1
        members += [a.account_id for a in body.accounts.account]
        if page * 100 >= body.total_count:
            break
        page += 1
    for account_id in members:
        if account_id == own:
            continue
        role_arn = f"acs:ram::{account_id}:role/ResourceDirectoryAccountAccessRole"
        session = sts.assume_role(sts_models.AssumeRoleRequest(role_arn=role_arn, role_session_name="naive")).body
        calls += 1
        c = session.credentials
        ram = RamClient(config(endpoint, c.access_key_id, c.access_key_secret, c.security_token))
        for name, (service, policy) in ROLES.items():
            calls += 2
            try:
                ram.get_role(ram_models.GetRoleRequest(role_name=name))
                attached = ram.list_policies_for_role(ram_models.ListPoliciesForRoleRequest(role_name=name))
                if any(p.policy_name == policy for p in attached.body.policies.policy):
                    continue
            except ClientException:
                trust = {
                    "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [service]}}]
                }
                ram.create_role(
                    ram_models.CreateRoleRequest(
                        role_name=name, assume_role_policy_document=json.dumps({"Version": "1", **trust})
                    )
                )
                calls += 1
            ram.attach_policy_to_role(
                ram_models.AttachPolicyToRoleRequest(policy_type="System", policy_name=policy, role_name=name)
            )
            calls += 1
    print(json.dumps({"wall_s": round(time.perf_counter() - start, 2), "calls": calls, "accounts": len(members)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
