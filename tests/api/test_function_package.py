"""The HTTP API ships inside the function and stays cold-start cheap: stdlib only, no CLI library, no SDK import
for the routes that need no cloud; the CLI is never in the package."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from typing import TYPE_CHECKING

from scripts import package

if TYPE_CHECKING:
    from pathlib import Path

FUNCTION = package.SOURCE
# What function/ may import: the standard library, itself, and its runtime dependencies (pyproject dependencies).
RUNTIME = {"emr_bootstrap", "index", "darabonba", "Tea", "pythonjsonlogger"}
CLI_ONLY = {"click", "rich", "schemathesis", "emr_bootstrap_cli", "emulator"}
HEAVY = sorted(CLI_ONLY | {"alibabacloud_credentials", "darabonba"})


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_function_imports_only_the_stdlib_itself_and_its_runtime_dependencies() -> None:
    foreign = {
        f"{path.relative_to(FUNCTION)}: {name}"
        for path in FUNCTION.rglob("*.py")
        for name in imported_top_levels(path)
        if name not in sys.stdlib_module_names and name not in RUNTIME and not name.startswith("alibabacloud_")
    }

    assert foreign == set()


def test_the_package_holds_the_api_and_its_document_but_not_the_cli(tmp_path: Path) -> None:
    package.copy_function(tmp_path)

    assert (tmp_path / "emr_bootstrap" / "api" / "router.py").is_file()
    assert json.loads((tmp_path / "emr_bootstrap" / "api" / "openapi.json").read_text())["openapi"] == "3.1.0"
    assert not [p for p in tmp_path.rglob("*") if p.name in CLI_ONLY]


def test_serving_health_and_catalog_imports_neither_the_sdk_nor_any_cli_library() -> None:
    program = f"""
import json, sys, types
sys.path.insert(0, {str(FUNCTION)!r})
import index
context = types.SimpleNamespace(request_id="r", account_id="1000000000000001", credentials=None,
                                function=types.SimpleNamespace(timeout=30))
for path in ("/v1/health", "/v1/catalog"):
    event = {{"version": "v1", "rawPath": path, "headers": {{}}, "body": None, "isBase64Encoded": False,
             "requestContext": {{"accountId": "1", "http": {{"method": "GET", "path": path}}}}}}
    assert index.http_handler(json.dumps(event).encode(), context)["statusCode"] == 200
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
print(json.dumps(heavy))
"""
    result = subprocess.run([sys.executable, "-I", "-c", program], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
