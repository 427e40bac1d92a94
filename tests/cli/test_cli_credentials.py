"""The credentials chain, as a fresh CLI process sees it: a temporary HOME, no key in the environment, the ECS
metadata service off. Profiles point at the emulator on loopback; nothing else is ever reached."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from emr_bootstrap_cli.credentials import ECS_METADATA_DISABLED, guard_ecs_metadata

if TYPE_CHECKING:
    from emulator.testing import Emulator

REPO = Path(__file__).resolve().parents[2]


def run_cli(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    clean.update(HOME=str(home), ALIBABA_CLOUD_ECS_METADATA_DISABLED="true", EMR_BOOTSTRAP_MAX_ATTEMPTS="1")
    return subprocess.run(
        [sys.executable, "-m", "emr_bootstrap_cli", *args],
        cwd=REPO,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def aliyun_config(home: Path, key: tuple[str, str], *, current: str = "", name: str = "emu") -> None:
    profile = {"name": name, "mode": "AK", "access_key_id": key[0], "access_key_secret": key[1], "region_id": "cn"}
    (home / ".aliyun").mkdir()
    (home / ".aliyun" / "config.json").write_text(json.dumps({"current": current, "profiles": [profile]}))


def test_with_no_credentials_at_all_the_cli_says_how_to_set_them_up_and_exits_3(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "plan", "1000000000000002")

    assert run.returncode == 3, run.stderr
    error, hint = run.stderr.splitlines()
    assert error == (
        "emr-bootstrap: error: no Alibaba Cloud credentials found "
        "(environment variables, ~/.aliyun/config.json, credentials.ini)"
    )
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in hint and "--profile" in hint and "--local" in hint
    assert run.stdout == ""


def test_profile_picks_a_profile_of_the_aliyun_cli_config(
    tmp_path: Path, emu: Emulator, operator_key: tuple[str, str]
) -> None:
    aliyun_config(tmp_path, operator_key)
    member = emu.create_member_account("by-profile")

    run = run_cli(tmp_path, "plan", member, "--profile", "emu", "--endpoint-url", emu.endpoint, "-o", "json")

    assert run.returncode == 0, run.stderr
    assert run.stdout and json.loads(run.stdout)["accounts"][0]["status"] == "succeeded"


def test_alibaba_cloud_profile_picks_the_profile_too(
    tmp_path: Path, emu: Emulator, operator_key: tuple[str, str]
) -> None:
    aliyun_config(tmp_path, operator_key, name="ops")

    run = run_cli(
        tmp_path, "plan", "1000000000000001", "--endpoint-url", emu.endpoint, env={"ALIBABA_CLOUD_PROFILE": "ops"}
    )

    assert run.returncode == 0, run.stderr


def test_the_aliyun_cli_current_profile_is_the_default_chains_choice(
    tmp_path: Path, emu: Emulator, operator_key: tuple[str, str]
) -> None:
    aliyun_config(tmp_path, operator_key, current="emu")

    run = run_cli(tmp_path, "plan", "1000000000000001", "--endpoint-url", emu.endpoint)

    assert run.returncode == 0, run.stderr


def test_a_credentials_ini_default_section_is_used(
    tmp_path: Path, emu: Emulator, operator_key: tuple[str, str]
) -> None:
    (tmp_path / ".alibabacloud").mkdir()
    (tmp_path / ".alibabacloud" / "credentials.ini").write_text(
        f"[default]\ntype = access_key\naccess_key_id = {operator_key[0]}\naccess_key_secret = {operator_key[1]}\n"
    )

    run = run_cli(tmp_path, "plan", "1000000000000001", "--endpoint-url", emu.endpoint)

    assert run.returncode == 0, run.stderr


def test_an_unknown_profile_exits_3_naming_it(tmp_path: Path, operator_key: tuple[str, str]) -> None:
    aliyun_config(tmp_path, operator_key)

    run = run_cli(tmp_path, "plan", "1000000000000002", "--profile", "nope")

    assert run.returncode == 3
    assert "no usable profile 'nope'" in run.stderr and "aliyun configure" in run.stderr


def test_the_cli_imports_no_credentials_library_before_it_turns_ecs_metadata_off(tmp_path: Path) -> None:
    program = (
        "import os, sys\n"
        "os.environ.pop('ALIBABA_CLOUD_ECS_METADATA_DISABLED', None)\n"
        "import emr_bootstrap_cli.main as cli\n"
        "assert 'alibabacloud_credentials' not in sys.modules, 'imported before main() ran'\n"
        "code = cli.main(['catalog', '-o', 'json'])\n"
        "print(code, os.environ['ALIBABA_CLOUD_ECS_METADATA_DISABLED'])\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}

    run = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, env={**clean, "HOME": str(tmp_path)}, capture_output=True, text=True
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "0 true"


@pytest.mark.parametrize(
    ("given", "expected"), [(None, "true"), ("true", "true"), ("", "true"), ("false", "false"), ("FALSE", "FALSE")]
)
def test_ecs_metadata_stays_off_unless_the_operator_explicitly_turns_it_on(given: str | None, expected: str) -> None:
    env = {} if given is None else {ECS_METADATA_DISABLED: given}

    guard_ecs_metadata(env)

    assert env[ECS_METADATA_DISABLED] == expected
