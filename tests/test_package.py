"""scripts/package.py builds a folder that imports on its own: function/ + every runtime dependency, nothing else.

Built once per session for the *running* interpreter's version and machine (so C-extension wheels such as aiohttp
load here), then imported by a clean interpreter (``-I -S``: no site-packages, no user paths; ``-B``: leave no
bytecode) with only that folder on ``sys.path``, as FC does with its code directory. Needs PyPI; takes ~20 s.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from scripts import package

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("package") / "package"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    result = subprocess.run(
        [
            sys.executable,
            str(package.REPO / "scripts" / "package.py"),
            "--output",
            str(output),
            "--python-version",
            version,
            "--platform",
            f"manylinux2014_{platform.machine()}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "files," in result.stdout and "MB)" in result.stdout  # the summary line
    return output


def run_isolated(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    program = f"import sys; sys.path.insert(0, {str(folder)!r}); {code}"
    return subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", program], capture_output=True, text=True, check=False
    )


def test_handler_module_imports_from_the_package_alone(built: Path) -> None:
    result = run_isolated(
        built,
        "import index; print(index.__file__); print(callable(index.handler), callable(index.http_handler))",
    )
    assert result.returncode == 0, result.stderr
    location, callables = result.stdout.splitlines()
    assert Path(location).parent == built
    assert callables == "True True"


def test_sdk_dependencies_import_from_the_package_not_site_packages(built: Path) -> None:
    modules = ["emr_bootstrap.sdk", "alibabacloud_ram20150501.client", "alibabacloud_tea_openapi", "pythonjsonlogger"]
    code = f"import importlib, json; print(json.dumps({{m: importlib.import_module(m).__file__ for m in {modules!r}}}))"
    result = run_isolated(built, code)
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)
    assert [m for m, f in files.items() if built not in Path(f).parents] == []


def test_sdist_only_dependency_is_the_version_the_tests_run_against(built: Path) -> None:
    # alibabacloud-tea 0.4.1+ is sdist-only; with --only-binary alone pip would ship 0.4.0.
    expected = metadata.version("alibabacloud-tea")
    shipped = [d.name for d in built.glob("alibabacloud_tea-*.dist-info")]
    assert shipped == [f"alibabacloud_tea-{expected}.dist-info"]


def test_package_holds_the_function_code_and_data_but_no_tests_or_caches(built: Path) -> None:
    assert (built / "index.py").is_file()
    assert (built / "emr_bootstrap" / "catalog.json").is_file()
    assert (built / "emr_bootstrap" / "events.py").is_file()
    assert list(built.rglob("__pycache__")) == []
    assert not (built / "tests").exists() and not (built / "emulator").exists()
    assert not (built / "bin").exists()


def test_runtime_dependencies_are_read_from_pyproject() -> None:
    deps = package.runtime_dependencies(package.REPO / "pyproject.toml")
    assert any(d.startswith("alibabacloud-ram20150501") for d in deps)
    assert not any(d.startswith(("pytest", "mypy", "ruff")) for d in deps)  # dev extras stay out


def test_fallback_parser_reads_dependencies_without_tomllib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\n# comment\ndependencies = [\n    "a>=1,<2",  # why\n    "b[extra]",\n]\n\n'
        '[project.optional-dependencies]\ndev = ["pytest"]\n'
    )
    monkeypatch.setattr(sys, "version_info", (3, 10, 0))
    monkeypatch.setitem(sys.modules, "tomli", None)  # import tomli -> ImportError
    assert package.runtime_dependencies(pyproject) == ["a>=1,<2", "b[extra]"]


def test_refuses_to_clean_the_repository_or_the_source() -> None:
    for path in (package.REPO, package.SOURCE, package.REPO.parent):
        with pytest.raises(package.PackageError, match="refusing"):
            package.build(path, "3.10", "manylinux2014_x86_64")


def test_fallback_parser_agrees_with_tomllib_on_the_real_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = package.runtime_dependencies(package.REPO / "pyproject.toml")
    monkeypatch.setattr(sys, "version_info", (3, 10, 0))
    monkeypatch.setitem(sys.modules, "tomli", None)
    assert package.runtime_dependencies(package.REPO / "pyproject.toml") == expected
