"""`make demo` (scripts/demo.py), as a user runs it: its counts agree with the results' JSON (writes attempted, and
the ones that changed something), it prints the CLI's table rather than raw JSON, and it ends with next steps that
the CLI really has."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.test_readme_commands import invocations, operator_shell, unknown

REPO = Path(__file__).resolve().parent.parent
WRITES = ("CreateRole", "AttachPolicyToRole", "UpdateRole")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    home = tmp_path_factory.mktemp("demo")
    results = home / "results.json"
    run = subprocess.run(
        [sys.executable, "scripts/demo.py", "--json", str(results)],
        cwd=REPO,
        env=operator_shell(home),  # as `make demo` in a new user's shell: no EMR_BOOTSTRAP_LOG_LEVEL
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return run, json.loads(results.read_text())


def attempted(result: dict[str, Any]) -> int:
    by_action = result["summary"]["cloudCalls"]["byAction"]
    return sum(by_action.get(action, 0) for action in WRITES)


def done(result: dict[str, Any]) -> int:
    roles = [role for account in result["accounts"] for role in account["roles"]]
    return sum(len(role["changes"]) for role in roles if role["outcome"] in ("created", "updated"))


def test_the_demo_passes_and_its_second_run_changes_nothing(demo: tuple[Any, list[Any]]) -> None:
    run, (first, second) = demo
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Demo passed" in run.stdout
    assert [first["status"], second["status"]] == ["succeeded", "succeeded"]
    assert {r["outcome"] for a in second["accounts"] for r in a["roles"]} == {"unchanged"}


def test_the_demos_write_counts_are_the_jsons(demo: tuple[Any, list[Any]]) -> None:
    """Writes attempted and done, per invocation, as the result JSON says; the second run's CreateRole calls were
    attempted (and refused: the roles exist), not done."""
    run, results = demo
    said = [(int(a), int(d)) for a, d in re.findall(r"RAM writes: (\d+) attempted.*?, (\d+) done", run.stdout)]
    assert said == [(attempted(r), done(r)) for r in results]
    assert said[1][0] > 0 and said[1][1] == 0
    assert "MISMATCH" not in run.stdout


def test_the_demo_prints_the_clis_table_and_no_raw_json(demo: tuple[Any, list[Any]]) -> None:
    run, results = demo
    lines = run.stdout.splitlines()
    assert len(lines) < 45
    assert not [line for line in lines if line.lstrip().startswith(("{", '"'))]
    assert len([line for line in lines if line.startswith("ACCOUNT ") and "OUTCOME" in line]) == 2
    for result in results:
        for account in result["accounts"]:
            for role in account["roles"]:
                row = rf"{account['accountId']}\s+{account['status']}\s+{role['roleName']}\s+{role['outcome']}"
                assert re.search(row, run.stdout), row


def test_the_demo_ends_with_next_steps_the_cli_has(demo: tuple[Any, list[Any]]) -> None:
    run, _ = demo
    steps = run.stdout.split("Next steps", 1)[1]
    commands = [line.strip() for line in steps.splitlines() if line.strip().startswith("emr-bootstrap ")]
    found = invocations("\n".join(f"`{command}`" for command in commands))
    assert {sub for sub, _ in found} >= {"plan", "apply", "sweep", "invoke"}
    assert [(sub, options) for sub, options in found if unknown(sub, options)] == []
    assert 'README "Deploy"' in steps
