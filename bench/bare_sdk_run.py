"""The calls a sweep makes for accounts already done, through the bare official SDK clients: no pacer, no retrier,
no ports, no result. The baseline of ``bench.sdk_overhead`` (our CPU per call over the SDK's).

    python -m bench.bare_sdk_run ENDPOINT [WORKERS]

ListAccounts pages, then per member account (``WORKERS`` at a time) AssumeRole with a session policy, and per
default role GetRole and ListPoliciesForRole, as the function's done sweep does. A throttled call is repeated after
a pause (and counted). Prints the calls, the wall and the CPU of the calls alone (the imports are left out).
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException

from bench import threadcount
from bench.naive_sweep import ROLES, config

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
calls = 0
throttles = 0


def call(fn: Callable[[], T]) -> T:
    global calls, throttles
    while True:
        calls += 1  # under the GIL; a lost increment would only undercount the baseline
        try:
            return fn()
        except ClientException as exc:
            if "Throttling" not in str(exc.code):
                raise
            throttles += 1
            time.sleep(0.2)


def one_account(sts: StsClient, endpoint: str, account_id: str) -> None:
    # The session policy the function's sweep sends (write mode; emr_bootstrap.adapters.sdk.member_session_policy), so
    # that both sides sign and send the same bytes.
    actions = ["ram:GetRole", "ram:ListPoliciesForRole", "ram:CreateRole", "ram:AttachPolicyToRole"]
    resources = [f"acs:ram:*:{account_id}:role/{name}" for name in sorted(n.lower() for n in ROLES)]
    policies = [f"acs:ram:*:system:policy/{name}" for name in sorted(policy for _, policy in ROLES.values())]
    statements = [
        {"Effect": "Allow", "Action": actions, "Resource": resources},
        {"Effect": "Allow", "Action": "ram:AttachPolicyToRole", "Resource": policies},
    ]
    policy = json.dumps({"Version": "1", "Statement": statements}, separators=(",", ":"))
    request = sts_models.AssumeRoleRequest(
        role_arn=f"acs:ram::{account_id}:role/ResourceDirectoryAccountAccessRole",
        role_session_name="emr-bootstrap.00000000-0000-0000-0000-000000000000",
        duration_seconds=3600,
        policy=policy,
    )
    creds = call(lambda: sts.assume_role(request)).body.credentials
    ram = RamClient(config(endpoint, creds.access_key_id, creds.access_key_secret, creds.security_token))
    for name in ROLES:
        call(lambda: ram.get_role(ram_models.GetRoleRequest(role_name=name)))  # noqa: B023 (called at once)
        listing = ram_models.ListPoliciesForRoleRequest(role_name=name)
        call(lambda: ram.list_policies_for_role(listing))  # noqa: B023


def main() -> int:
    endpoint, workers = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8
    creds = (
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        os.environ["ALIBABA_CLOUD_SECURITY_TOKEN"],
    )
    own = os.environ["FC_ACCOUNT_ID"]
    threadcount.install()
    start = time.perf_counter()
    rm = ResourceManagerClient(config(endpoint, *creds))
    sts = StsClient(config(endpoint, *creds))
    page, members = 1, []
    while True:
        listing = rm_models.ListAccountsRequest(page_number=page, page_size=100)
        body = call(lambda: rm.list_accounts(listing)).body  # noqa: B023 (called at once)
        members += [a.account_id for a in body.accounts.account if a.account_id != own]
        if page * 100 >= body.total_count:
            break
        page += 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda account_id: one_account(sts, endpoint, account_id), members))
    figures = {
        "calls": calls,
        "throttles": throttles,
        "accounts": len(members),
        "wall_s": round(time.perf_counter() - start, 2),
        **threadcount.spent(),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
