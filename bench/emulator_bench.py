"""Emulator benchmark: sequential GetRole through the official SDK vs a raw keep-alive http.client call.

Run: ``python -m bench.emulator_bench`` (prints one JSON object). The raw figure is the emulator's own cost;
the difference to the SDK figure is the SDK's share (signing, aiohttp session per call, model parsing).
"""

from __future__ import annotations

import http.client
import json
import os
import time
from urllib.parse import urlencode

from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.utils_models import Config

from emulator.testing import Emulator, signed_v3_headers, trust_for_service

ROLE = "AliyunEMRDefaultRole"
SDK_CALLS = 300
RAW_CALLS = 2000
WARMUP = 20


def bench_sdk(emu: Emulator) -> float:
    access_key_id, secret = emu.root_key
    client = RamClient(
        Config(access_key_id=access_key_id, access_key_secret=secret, endpoint=emu.host, protocol="http")
    )
    request = ram_models.GetRoleRequest(role_name=ROLE)
    for _ in range(WARMUP):
        client.get_role(request)
    start = time.perf_counter()
    for _ in range(SDK_CALLS):
        client.get_role(request)
    return (time.perf_counter() - start) / SDK_CALLS


def bench_raw(emu: Emulator) -> float:
    access_key_id, secret = emu.root_key
    connection = http.client.HTTPConnection(emu.host)
    query = {"RoleName": ROLE}
    path = "/?" + urlencode(query)

    def call() -> None:
        headers = signed_v3_headers(emu.host, "GetRole", "2015-05-01", (access_key_id, secret), query)
        connection.request("POST", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(response.status)

    for _ in range(WARMUP):
        call()
    start = time.perf_counter()
    for _ in range(RAW_CALLS):
        call()
    elapsed = (time.perf_counter() - start) / RAW_CALLS
    connection.close()
    return elapsed


def main() -> None:
    os.environ.setdefault("no_proxy", "127.0.0.1,localhost")
    with Emulator() as emu:
        emu.create_role(emu.management_account_id, ROLE, trust_for_service("emr.aliyuncs.com"), ["AliyunEMRRolePolicy"])
        sdk_s = bench_sdk(emu)
        raw_s = bench_raw(emu)
    print(
        json.dumps(
            {
                "emulator.sequential_calls_per_s": round(1 / sdk_s, 1),
                "emulator.per_call_ms": round(sdk_s * 1000, 3),
                "emulator.raw_keepalive_calls_per_s": round(1 / raw_s, 1),
                "emulator.raw_keepalive_per_call_ms": round(raw_s * 1000, 3),
                "emulator.sdk_share_ms": round((sdk_s - raw_s) * 1000, 3),
                "emulator.sdk_calls": SDK_CALLS,
                "emulator.raw_calls": RAW_CALLS,
            }
        )
    )


if __name__ == "__main__":
    main()
