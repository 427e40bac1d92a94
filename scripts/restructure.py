"""Lay function/emr_bootstrap/ out in one folder per layer (issue 18), and tests/function/ to match.

Re-runnable and deterministic: run it on the tree as it is (``.venv/bin/python scripts/restructure.py``); on a tree
already laid out it changes nothing. It

1. refuses (exit 1, naming them) when function/emr_bootstrap/ or tests/function/ holds a module that no table row
   below places: add the row, run it again;
2. ``git mv``-s every module into its layer and writes each layer's ``__init__.py`` (what it may and may not import);
3. moves ``Invocation`` out of ``app`` into ``application/invocation.py`` (``app`` imports the sweep runner, which
   needs ``Invocation``: the one import cycle there was);
4. rewrites every dotted and slashed module path (imports, ``from emr_bootstrap import x``, monkeypatch and mock
   targets, mutmut's module list and equivalents, docs paths) in the files listed in ``REWRITTEN``;
5. moves the tests into the same layer folders, folding each ``test_mutants_*.py`` into the test module of the
   behaviour it checks (scripts/restructure_tests.py), then lets ruff sort and merge the imports and format.
Its contracts (``[tool.importlinter]``, pyproject.toml) are written by hand; it switches ``make imports`` on.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file (python scripts/restructure.py): the repository root for `scripts.`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.restructure_tests import TEST_HELPERS, TESTS_DIR, move_tests, test_destinations

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "function" / "emr_bootstrap"

# module (as in function/emr_bootstrap/) -> layer; layer folders never share a name with an old module, so a path
# is old or new at a glance and rewriting twice is a no-op. ``api`` is a package already and keeps its place.
LAYERS: dict[str, tuple[str, ...]] = {
    # what FC hands over, parsed into jobs
    "intake": ("events", "actiontrail", "http_event", "triggers", "jobs"),
    # the composition root: runs a job for an invocation, builds the adapters, FC's replies
    "application": ("app", "fc", "sweep_runner"),
    # sweeps: their requests, the sweeper, the sweeps events start
    "sweeps": ("sweep", "sweep_request", "event_sweeps"),
    # the decisions, over the ports (cloud.py) and pure data; no SDK, no environment
    "core": (
        "catalog",
        "catalog_view",
        "versions",
        "request",
        "plan",
        "trust",
        "reconcile",
        "role_run",
        "result",
        "directory",
        "scope",
        "cloud",
        "pacing",
        "workers",
    ),
    # the outside world: the official SDK behind the ports, the runtime's credentials, the environment
    "adapters": ("sdk", "sdk_common", "sdk_directory", "sdk_fc", "credentials", "settings"),
    # used by every layer, importing none
    "shared": ("codes", "errors", "rule_hints", "logs", "safe_json", "timing"),
}
DATA = {"catalog.json": "core"}  # data files that move with the module reading them
KEPT = {"__init__.py", "api"}  # stays where it is
INVOCATION = "emr_bootstrap.application.invocation"

INIT_DOCS = {
    "intake": (
        "What FC hands over: EventBridge/ActionTrail events, HTTP envelopes, timer payloads, parsed into jobs.\n\n"
        "May import sweeps, core and shared (a job carries a request). Never the application, the adapters (no SDK,\n"
        "no environment) or the API."
    ),
    "application": (
        "The composition root: runs one job for one invocation, builds the adapters from the settings, FC replies.\n\n"
        "May import every layer but the API (the API calls it)."
    ),
    "sweeps": (
        "Sweeps of the Resource Directory: their requests and tokens, the sweeper, the sweeps events start.\n\n"
        "May import the core and shared. Never intake, the application, the adapters or the API."
    ),
    "core": (
        "The core: the catalog (data), requests, plans, trust, the reconciler, results, and the ports it runs over\n"
        "(cloud.py).\n\n"
        "Pure Python: imports only itself and shared. Never an SDK (alibabacloud_*, darabonba, Tea), never the\n"
        "settings or the environment, never another layer."
    ),
    "adapters": (
        "The outside world: the official SDK behind the core's ports, the runtime's credentials, the settings (the\n"
        "only reader of the environment).\n\n"
        "May import sweeps, the core and shared. Never intake, the application or the API."
    ),
    "shared": "Used by every layer: error codes, errors, logs, safe JSON, timing.\n\nImports no other layer.",
}


# Where module paths are rewritten (directories recursively, *.py, *.md, *.toml, *.yaml, *.json, Makefile).
REWRITTEN = (
    "function",
    "tests",
    "emulator",
    "bench",
    "emr_bootstrap_cli",
    "scripts",
    "docs",
    "events/README.md",
    "pyproject.toml",
    "Makefile",
    "s.yaml",
    "README.md",
    "deploy",
)
SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".json", ".cfg", ".ini", ".txt"}
SKIPPED = {"scripts/restructure.py", "scripts/restructure_tests.py", "docs/mutation-summary.json"}


# Switches that wait for the layout (commit them before running this; it turns them on): exact text -> new text.
GUARDS: dict[str, tuple[tuple[str, str], ...]] = {
    "Makefile": (
        (
            "# docs/architecture.md). Until scripts/restructure.py has laid the layers out there is nothing to "
            "check.\n",
            "# docs/architecture.md).\n",
        ),
        (
            "\t@if test -d function/emr_bootstrap/core; then PYTHONPATH=function $(VENV)/bin/lint-imports; "
            'else echo "imports: no layer folders yet (scripts/restructure.py)"; fi\n',
            "\tPYTHONPATH=function $(VENV)/bin/lint-imports\n",
        ),
    ),
    "tests/test_import_contracts.py": (
        (
            '\npytestmark = pytest.mark.skipif(not (PACKAGE / "core").is_dir(), reason="layers not laid out yet")'
            "  # restructure\n",
            "",
        ),
    ),
}


def git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=ROOT, check=True)


def module_layer() -> dict[str, str]:
    return {module: layer for layer, modules in LAYERS.items() for module in modules}


def unplaced() -> list[str]:
    layers = module_layer()
    missing = [
        f"function/emr_bootstrap/{p.name}"
        for p in sorted(PACKAGE.iterdir())
        if p.name not in KEPT
        and p.name not in DATA
        and p.name not in LAYERS
        and p.name != "__pycache__"
        and not (p.suffix == ".py" and p.stem in layers)
    ]
    moves = test_destinations()
    missing += [
        f"tests/function/{p.name}"
        for p in sorted(TESTS_DIR.iterdir())
        if p.is_file() and p.suffix == ".py" and p.name not in TEST_HELPERS and p.name not in moves
    ]
    return missing


def move_modules() -> None:
    for layer in LAYERS:
        (PACKAGE / layer).mkdir(exist_ok=True)
        init = PACKAGE / layer / "__init__.py"
        text = f'"""{INIT_DOCS[layer]}\n"""\n'
        if not init.exists() or init.read_text() != text:
            init.write_text(text)
            git("add", str(init))
    for module, layer in module_layer().items():
        if (PACKAGE / f"{module}.py").exists():
            git("mv", f"function/emr_bootstrap/{module}.py", f"function/emr_bootstrap/{layer}/{module}.py")
    for name, layer in DATA.items():
        if (PACKAGE / name).exists():
            git("mv", f"function/emr_bootstrap/{name}", f"function/emr_bootstrap/{layer}/{name}")


def extract_invocation() -> None:
    """``class Invocation`` from app.py into its own module, which app imports."""
    app = PACKAGE / "application" / "app.py"
    target = PACKAGE / "application" / "invocation.py"
    if target.exists():
        return
    source = app.read_text()
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Invocation")
    lines = source.splitlines(keepends=True)
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    assert node.end_lineno is not None
    block = "".join(lines[start : node.end_lineno])
    rest = lines[:start] + lines[node.end_lineno :]
    header = (
        '"""One invocation as the application sees it, whatever the entry point (its own module: the application\n'
        'imports the sweep runner, which needs it)."""\n\n'
        "from __future__ import annotations\n\n"
        "import time\n"
        "from dataclasses import dataclass, field\n"
        "from typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n"
        "    from emr_bootstrap.credentials import FunctionCredentials\n\n\n"
    )
    target.write_text(header + block)
    text = "".join(rest)
    first_import = re.search(r"^from emr_bootstrap\.", text, re.M)
    assert first_import is not None
    text = text[: first_import.start()] + f"from {INVOCATION} import Invocation\n" + text[first_import.start() :]
    app.write_text(text)
    git("add", str(target), str(app))


def dotted_rules() -> list[tuple[re.Pattern[str], str]]:
    moves = {m: f"{layer}.{m}" for m, layer in module_layer().items()}
    rules = [
        (re.compile(rf"(?<![\w.])emr_bootstrap\.{re.escape(old)}(?!\w)"), f"emr_bootstrap.{new}")
        for old, new in sorted(moves.items(), key=lambda kv: -len(kv[0]))
    ]
    rules += [
        (re.compile(rf"(?<![\w])emr_bootstrap/{re.escape(old)}(?=\.py|/|\b)(?!\w)"), f"emr_bootstrap/{layer}/{old}")
        for old, layer in sorted(module_layer().items(), key=lambda kv: -len(kv[0]))
    ]
    rules += [
        (re.compile(rf"(?<![\w])emr_bootstrap/{re.escape(name)}"), f"emr_bootstrap/{layer}/{name}")
        for name, layer in DATA.items()
    ]
    # paths joined with pathlib: "emr_bootstrap" / "catalog.json"
    files = {f"{m}.py": layer for m, layer in module_layer().items()} | DATA
    rules += [
        (re.compile(rf"\"emr_bootstrap\" / \"{re.escape(name)}\""), f'"emr_bootstrap" / "{layer}" / "{name}"')
        for name, layer in files.items()
    ]
    rules += [
        (
            re.compile(rf"\"emr_bootstrap\" / \"__pycache__\" / f\"{re.escape(m)}\."),
            f'"emr_bootstrap" / "{layer}" / "__pycache__" / f"{m}.',
        )
        for m, layer in module_layer().items()
    ]
    for old, new in sorted(test_destinations().items(), key=lambda kv: -len(kv[0])):
        stem, new_stem = old.removesuffix(".py"), new.removesuffix(".py")
        rules.append((re.compile(rf"(?<![\w/])tests/function/{re.escape(old)}"), f"tests/function/{new}"))
        rules.append(
            (
                re.compile(rf"(?<![\w.])tests\.function\.{re.escape(stem)}(?!\w)"),
                "tests.function." + new_stem.replace("/", "."),
            )
        )
    return rules


FROM_PACKAGE = re.compile(r"^(?P<indent>[ \t]*)from emr_bootstrap import (?P<names>\([^)]*\)|[^()\n]+)$", re.M)


def split_package_imports(text: str) -> str:
    """``from emr_bootstrap import codes, fc`` -> one import per layer."""
    layers = module_layer()

    def one(match: re.Match[str]) -> str:
        by_layer: dict[str, list[str]] = {}
        for part in match["names"].strip("()").split(","):
            name = part.strip()
            if not name:
                continue
            module = name.split(" as ")[0].strip()
            by_layer.setdefault(layers.get(module, ""), []).append(name)
        return "\n".join(
            f"{match['indent']}from emr_bootstrap{'.' + layer if layer else ''} import {', '.join(names)}"
            for layer, names in sorted(by_layer.items())
        )

    return FROM_PACKAGE.sub(one, text)


IMPORT_FROM_APP = re.compile(
    r"^(?P<indent>[ \t]*)from emr_bootstrap\.application\.app import (?P<names>\([^)]*\)|[^\n]+)$", re.M
)


def invocation_from_its_module(text: str) -> str:
    """Whoever imported ``Invocation`` from app imports it from application/invocation.py."""

    def one(match: re.Match[str]) -> str:
        names = [n.strip() for n in match["names"].strip("()").replace("\n", " ").split(",") if n.strip()]
        if "Invocation" not in names:
            return match[0]
        rest = [n for n in names if n != "Invocation"]
        out = [f"{match['indent']}from {INVOCATION} import Invocation"]
        if rest:
            out.insert(0, f"{match['indent']}from emr_bootstrap.application.app import {', '.join(rest)}")
        return "\n".join(out)

    return IMPORT_FROM_APP.sub(one, text)


def rewritten_files() -> list[Path]:
    files: list[Path] = []
    for entry in REWRITTEN:
        path = ROOT / entry
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and (p.suffix in SUFFIXES) and "__pycache__" not in p.parts
            ]
    return [p for p in files if p.relative_to(ROOT).as_posix() not in SKIPPED]


# Logger names are what operators filter logs by: they keep their names wherever their modules go.
LOGGER_NAME = re.compile(r"""(getLogger\(|\.name == |logger=)(["'])emr_bootstrap[\w.]*\2""")


def rewrite_paths() -> list[Path]:
    rules = dotted_rules()
    changed = []
    for path in rewritten_files():
        text = path.read_text()
        loggers = [m[0] for m in LOGGER_NAME.finditer(text)]
        new = LOGGER_NAME.sub("\0LOGGER\0", split_package_imports(text))
        for pattern, repl in rules:
            new = pattern.sub(repl, new)
        for logger in loggers:
            new = new.replace("\0LOGGER\0", logger, 1)
        if path.suffix == ".py" and path.relative_to(ROOT).parts[-1] != "invocation.py":
            new = invocation_from_its_module(new)
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed


def tidy(paths: list[Path]) -> None:
    """Imports sorted, merged and pruned, then formatted: ruff, as `make lint` runs it."""
    files = sorted({str(p) for p in paths if p.suffix == ".py" and p.exists()})
    if not files:
        return
    ruff = str(ROOT / ".venv" / "bin" / "ruff")
    # One run, fixed until nothing changes: duplicate and unused imports out (a folded test file's), imports used
    # only in annotations under TYPE_CHECKING (app.py's Invocation, now imported), then sorted and merged.
    select = "F401,F811,TC001,TC002,TC003,TC004,TC005,I"
    subprocess.run([ruff, "check", "--quiet", "--fix", "--unsafe-fixes", "--select", select, *files], cwd=ROOT)
    subprocess.run([ruff, "format", "--quiet", *files], cwd=ROOT, check=True)


def remove_guards() -> list[Path]:
    changed = []
    for name, edits in GUARDS.items():
        path = ROOT / name
        text = path.read_text()
        new = text
        for old, replacement in edits:
            new = new.replace(old, replacement)
        if new != text:
            path.write_text(new)
            changed.append(path)
    return changed


def report_leftovers() -> None:
    """What ruff still finds (a docstring line that a longer path pushed past 120 columns): to fix by hand."""
    ruff = str(ROOT / ".venv" / "bin" / "ruff")
    check = subprocess.run(
        [ruff, "check", "--quiet", "--output-format", "concise", "."],
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=False,
    )
    if check.stdout.strip():
        print("restructure: done, but ruff finds these; fix them by hand:", file=sys.stderr)
        print(check.stdout, file=sys.stderr)


def main() -> int:
    missing = unplaced()
    if missing:
        print("restructure: no row in scripts/restructure.py places these; add one and run it again:", file=sys.stderr)
        for name in missing:
            print(f"  {name}", file=sys.stderr)
        return 1
    move_modules()
    extract_invocation()
    moved_tests = move_tests()
    changed = rewrite_paths() + remove_guards()
    tidy(changed + moved_tests + [PACKAGE / "application" / "invocation.py", PACKAGE / "application" / "app.py"])
    git("add", "-A", "function", "tests")
    for path in changed:
        git("add", str(path))
    print(f"restructure: {len(changed)} files rewritten, {len(moved_tests)} test files moved or folded")
    report_leftovers()
    return 0


if __name__ == "__main__":
    sys.exit(main())
