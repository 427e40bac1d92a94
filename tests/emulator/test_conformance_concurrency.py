"""Concurrent writes to one account serialise: 50 CreateRole for one name give exactly one success."""

from __future__ import annotations

import threading
from collections import Counter

from alibabacloud_ram20150501 import models as ram_models

from emulator.testing import Emulator, trust_for_service
from tests.emulator import sdk


def test_fifty_concurrent_create_role_calls_for_one_name_give_one_success(emulator: Emulator) -> None:
    account = emulator.create_member_account("race", access_role=False)
    key = emulator.root_key_of(account)
    clients = [sdk.ram(emulator, key) for _ in range(50)]
    request = ram_models.CreateRoleRequest(
        role_name="AliyunEMRDefaultRole", assume_role_policy_document=trust_for_service("emr.aliyuncs.com")
    )
    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(client) -> None:
        start.wait()
        try:
            client.create_role(request)
            outcome = "OK"
        except Exception as error:
            outcome = f"{getattr(error, 'status_code', '?')} {getattr(error, 'code', error)}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=race, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(outcomes) == {"OK": 1, "409 EntityAlreadyExists.Role": 49}
    listed = sdk.ram(emulator, key).list_roles(ram_models.ListRolesRequest()).body.roles.role
    assert [r.role_name for r in listed] == ["AliyunEMRDefaultRole"]
