"""scripts/package.py builds a folder that imports on its own: function/ + every runtime dependency, nothing else.

Built once per session, for FC's python3.10 when a 3.10 interpreter is found here (else for the running
interpreter's version), for this machine (so C-extension wheels such as aiohttp load), then imported by a clean
interpreter of that version (``-I -S``: no site-packages, no user paths; ``-B``: leave no bytecode) with only that
folder on ``sys.path``, as FC does with its code directory. Every distribution in it must have exactly its version
in the lock (requirements/runtime.txt). Needs PyPI; takes ~8 s.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import pytest
from packaging.utils import canonicalize_name

from scripts import bytecode, package

pytestmark = pytest.mark.slow


class Built(NamedTuple):
    folder: Path
    version: str  # the target Python, e.g. "3.10"
    python: str  # an interpreter of that version, to import the package with


def find_python310() -> str | None:
    """A working CPython 3.10 (FC's runtime): this one, python3.10 on PATH, or a pyenv install."""
    if sys.version_info[:2] == (3, 10):
        return sys.executable
    candidates = [
        shutil.which("python3.10"),
        *sorted(str(p) for p in (Path.home() / ".pyenv" / "versions").glob("3.10*/bin/python3.10")),
    ]
    for candidate in filter(None, candidates):
        check = subprocess.run(
            [candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 10)"], check=False, capture_output=True
        )
        if check.returncode == 0:
            return candidate
    return None


def locked_for(version: str) -> dict[str, str]:
    text = package.RUNTIME_REQUIREMENTS.read_text(encoding="utf-8")
    environment = package.target_environment(version, f"manylinux2014_{platform.machine()}")
    return {p.name: p.version for p in package.pins_for_target(package.parse_locked_requirements(text), environment)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    python310 = find_python310()
    if python310 is not None:
        version, python = "3.10", python310
    else:
        version, python = f"{sys.version_info.major}.{sys.version_info.minor}", sys.executable
    output = tmp_path_factory.mktemp("package") / "package"
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
            "--python",
            python,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "files," in result.stdout and "MB)" in result.stdout  # the summary line
    return Built(output, version, python)


def run_isolated(built: Built, code: str) -> subprocess.CompletedProcess[str]:
    program = f"import sys; sys.path.insert(0, {str(built.folder)!r}); {code}"
    return subprocess.run([built.python, "-I", "-S", "-B", "-c", program], capture_output=True, text=True, check=False)


def test_handler_module_imports_from_the_package_alone(built: Built) -> None:
    result = run_isolated(
        built,
        "import index; print(index.__file__); print(callable(index.handler), callable(index.http_handler))",
    )
    assert result.returncode == 0, result.stderr
    location, callables = result.stdout.splitlines()
    assert Path(location).parent == built.folder
    assert callables == "True True"


def test_sdk_dependencies_import_from_the_package_not_site_packages(built: Built) -> None:
    # aiohttp too: built from 3.11 for 3.10, the package once lacked async-timeout (pip evaluated the marker
    # `python_version < "3.11"` for the Python it ran on), and the SDK clients did not import on FC's 3.10.
    modules = [
        "emr_bootstrap.adapters.sdk",
        "alibabacloud_ram20150501.client",
        "alibabacloud_sts20150401.client",
        "alibabacloud_resourcemanager20200331.client",
        "alibabacloud_tea_openapi",
        "aiohttp",
        "pythonjsonlogger",
    ]
    code = f"import importlib, json; print(json.dumps({{m: importlib.import_module(m).__file__ for m in {modules!r}}}))"
    result = run_isolated(built, code)
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)
    assert [m for m, f in files.items() if built.folder not in Path(f).parents] == []


def test_sdist_only_dependency_is_the_version_the_tests_run_against(built: Built) -> None:
    # alibabacloud-tea 0.4.1+ is sdist-only; with --only-binary alone pip would ship 0.4.0.
    expected = metadata.version("alibabacloud-tea")
    shipped = [d.name for d in built.folder.glob("alibabacloud_tea-*.dist-info")]
    assert shipped == [f"alibabacloud_tea-{expected}.dist-info"]


def test_package_holds_the_function_code_and_data_but_no_tests_or_foreign_bytecode(built: Built) -> None:
    folder = built.folder
    assert (folder / "index.py").is_file()
    assert (folder / "emr_bootstrap" / "core" / "catalog.json").is_file()
    assert (folder / "emr_bootstrap" / "intake" / "events.py").is_file()
    tag = bytecode.cache_tag(built.version)
    assert [p for p in folder.rglob("*.pyc") if not p.name.endswith(f".{tag}.pyc")] == []  # only the target's
    assert not (folder / "tests").exists() and not (folder / "emulator").exists()
    assert not (folder / "bin").exists()


def test_every_module_in_the_package_has_bytecode_that_no_timestamp_can_invalidate(built: Built) -> None:
    assert bytecode.missing_bytecode(built.folder, built.version) == []
    compiled = (
        built.folder / "emr_bootstrap" / "intake" / "__pycache__" / f"events.{bytecode.cache_tag(built.version)}.pyc"
    )
    flags = int.from_bytes(compiled.read_bytes()[4:8], "little")  # PEP 552: bit 0 hash-based, bit 1 check_source
    assert flags == 0b01  # unchecked hash: an unzip's timestamps are never compared


def test_compiled_modules_load_from_bytecode_whatever_the_timestamps_say(built: Built, tmp_path: Path) -> None:
    # An unzip sets new timestamps: an unchecked-hash .pyc is still used (here the source even changed after it).
    module = tmp_path / "mod.py"
    module.write_text("value = 'compiled'\n")
    bytecode.compile_package(tmp_path, built.python)
    module.write_text("value = 'source'\n")
    os.utime(module, (2_000_000_000, 2_000_000_000))
    program = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import mod; print(mod.value)"
    result = subprocess.run([built.python, "-I", "-B", "-c", program], capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "compiled", result.stderr


def test_bytecode_check_names_each_module_without_its_pyc(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    for name in ("a", "b"):
        (tmp_path / "pkg" / f"{name}.py").write_text("")
    tag = bytecode.cache_tag("3.10")
    (tmp_path / "pkg" / "__pycache__" / f"a.{tag}.pyc").write_bytes(b"")
    (tmp_path / "pkg" / "__pycache__" / "b.cpython-311.pyc").write_bytes(b"")  # another version's does not count
    assert bytecode.missing_bytecode(tmp_path, "3.10") == ["pkg/b.py"]
    (tmp_path / "pkg" / "__pycache__" / f"b.{tag}.pyc").write_bytes(b"")
    assert bytecode.missing_bytecode(tmp_path, "3.10") == []


def test_a_package_left_without_bytecode_is_refused_with_the_modules_named(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("x = 1\n")
    with pytest.raises(bytecode.BytecodeError, match=r"1 module\(s\) without python3\.10 bytecode:\n  mod\.py"):
        bytecode.add_bytecode(tmp_path, "3.10", python="true")  # an "interpreter" that compiles nothing


def test_records_list_only_files_in_the_package(built: Built) -> None:
    # pip's RECORD rows for the deleted console scripts (../../bin/idna) hashed the building venv's path.
    rows = [line.split(",")[0] for r in built.folder.glob("*.dist-info/RECORD") for line in r.read_text().splitlines()]
    assert rows and [row for row in rows if not (built.folder / row).is_file()] == []


def test_drop_missing_from_records_keeps_only_files_inside_the_folder(tmp_path: Path) -> None:
    info = tmp_path / "x-1.dist-info"
    info.mkdir()
    (tmp_path / "x.py").write_text("")
    record = info / "RECORD"
    record.write_text("../../bin/x,sha256=abc,10\nx.py,sha256=def,0\nx-1.dist-info/RECORD,,\nbin/gone,,\n")
    package.drop_missing_from_records(tmp_path.resolve())
    assert record.read_text() == "x.py,sha256=def,0\nx-1.dist-info/RECORD,,\n"


def test_every_distribution_in_the_package_has_its_locked_version(built: Built) -> None:
    installed = package.installed_versions(built.folder)
    assert package.version_mismatches(installed, locked_for(built.version)) == []
    assert "alibabacloud-tea-openapi" in installed and "pytest" not in installed  # runtime set only
    if built.version == "3.10":
        assert "async-timeout" in installed


def test_sbom_beside_the_package_lists_exactly_its_distributions(built: Built) -> None:
    sbom = json.loads(package.sbom_path(built.folder).read_text())
    assert (sbom["bomFormat"], sbom["specVersion"]) == ("CycloneDX", "1.6")
    assert "serialNumber" not in sbom and "timestamp" not in sbom["metadata"]  # reproducible
    assert sbom["metadata"]["component"]["name"] == "emr-bootstrap"
    listed = {canonicalize_name(c["name"]): c["version"] for c in sbom["components"]}
    assert listed == package.installed_versions(built.folder)
    for component in sbom["components"]:
        assert component["type"] == "library"
        assert component["purl"] == f"pkg:pypi/{canonicalize_name(component['name'])}@{component['version']}"


def write_dist_info(folder: Path, name: str, version: str) -> None:
    info = folder / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_version_check_reports_a_package_that_differs_from_the_lock(tmp_path: Path) -> None:
    # A deliberately mismatched package: one version off, one locked dist missing, one dist the lock lacks.
    locked = {"aiohttp": "3.14.5", "alibabacloud-tea": "0.4.3", "async-timeout": "5.0.1"}
    write_dist_info(tmp_path, "aiohttp", "3.14.5")
    write_dist_info(tmp_path, "alibabacloud-tea", "0.4.0")
    write_dist_info(tmp_path, "Some_Extra", "1.0")
    (tmp_path / "index.py").write_text("")
    installed = package.installed_versions(tmp_path)
    assert installed == {"aiohttp": "3.14.5", "alibabacloud-tea": "0.4.0", "some-extra": "1.0"}
    assert package.version_mismatches(installed, locked) == [
        "alibabacloud-tea: the package has 0.4.0, the lock says 0.4.3",
        "async-timeout: locked at 5.0.1 but not in the package",
        "some-extra 1.0: in the package but not in the lock",
    ]
    assert package.version_mismatches(dict(locked), locked) == []


LOCK_EXCERPT = """\
# Exported from uv.lock
aiohttp==3.14.5 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
    # via alibabacloud-tea
async-timeout==5.0.1 ; python_full_version < '3.11' \\
    --hash=sha256:cccc
Multidict==7.1.0 --hash=sha256:dddd
tzdata==2026.6 ; sys_platform == 'win32' \\
    --hash=sha256:eeee
"""


def test_locked_requirements_are_parsed_with_markers_and_hashes() -> None:
    pins = package.parse_locked_requirements(LOCK_EXCERPT)
    assert pins[0] == package.Pin("aiohttp", "3.14.5", ("sha256:aaaa", "sha256:bbbb"))
    assert pins[1].marker == 'python_full_version < "3.11"'
    assert [p.name for p in pins] == ["aiohttp", "async-timeout", "multidict", "tzdata"]
    assert pins[0].requirement_line() == "aiohttp==3.14.5 --hash=sha256:aaaa --hash=sha256:bbbb"
    assert pins[0].requirement_line(["sha256:ffff"]) == "aiohttp==3.14.5 --hash=sha256:ffff"


@pytest.mark.parametrize(
    "line", ["aiohttp>=3 --hash=sha256:aa", "aiohttp==3.14.5", "aiohttp[speedups]==3.14.5 --hash=sha256:aa"]
)
def test_anything_but_a_hashed_exact_pin_is_refused(line: str) -> None:
    with pytest.raises(package.PackageError):
        package.parse_locked_requirements(line)


def test_markers_are_evaluated_for_the_target_not_for_this_interpreter() -> None:
    pins = package.parse_locked_requirements(LOCK_EXCERPT)
    fc = package.pins_for_target(pins, package.target_environment("3.10", "manylinux2014_x86_64"))
    assert [p.name for p in fc] == ["aiohttp", "async-timeout", "multidict"]
    newer = package.pins_for_target(pins, package.target_environment("3.12", "manylinux2014_aarch64"))
    assert [p.name for p in newer] == ["aiohttp", "multidict"]
    assert package.target_environment("3.10", "manylinux_2_28_aarch64")["platform_machine"] == "aarch64"


def test_the_real_lock_gives_fc_the_python310_only_dependencies() -> None:
    assert "async-timeout" in locked_for("3.10")
    assert "async-timeout" not in locked_for("3.11")
    assert "tzdata" not in locked_for("3.10")  # Windows only


def test_two_locked_versions_for_one_target_are_an_error() -> None:
    pins = package.parse_locked_requirements("a==1 --hash=sha256:aa\na==2 ; python_version >= '3.10' --hash=sha256:bb")
    with pytest.raises(package.PackageError, match="two locked versions of a"):
        package.pins_for_target(pins, package.target_environment("3.10", "manylinux2014_x86_64"))


def test_sdist_only_packages_are_read_from_uv_lock() -> None:
    sdist_only = package.sdist_only_packages(package.LOCK.read_text(encoding="utf-8"))
    assert "alibabacloud-tea" in sdist_only  # 0.4.1+ publishes no wheel
    assert "aiohttp" not in sdist_only and "emr-bootstrap" not in sdist_only


def test_refuses_to_clean_the_repository_or_the_source() -> None:
    for path in (package.REPO, package.SOURCE, package.REPO.parent):
        with pytest.raises(package.PackageError, match="refusing"):
            package.build(path, "3.10", "manylinux2014_x86_64")
