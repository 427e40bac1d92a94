"""Phase two of scripts/restructure.py: tests/function/ in the same layer folders as function/emr_bootstrap/.

Each test module gets its place from ``TESTS``; a ``test_mutants_*`` module (named after how its tests were found)
is folded into the module of the behaviour it checks: its tests appended, its imports merged (ruff then sorts and
dedupes them, in scripts/restructure.py), a helper both define identically kept once; a name both define
differently stops the run. ``SPLIT`` cuts a file that would pass ~400 lines into two, by behaviour.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = ROOT / "tests" / "function"


# tests/function/: every test module's new place. A ``+`` entry folds the listed test_mutants_* modules into it
# (their tests appended, imports merged); SPLIT takes the named tests (and what they use) out into a second file.
TESTS: dict[str, tuple[str, ...]] = {
    "shared/test_codes.py": ("test_codes.py", "+test_mutants_codes.py"),
    "shared/test_errors.py": ("+test_mutants_errors.py",),
    "shared/test_safe_json.py": ("+test_mutants_safe_json.py",),
    "shared/test_logs.py": ("test_logs.py",),
    "shared/test_rule_hints.py": ("test_rule_hints.py",),
    "core/test_catalog.py": ("test_catalog.py", "+test_mutants_catalog.py"),
    "core/test_plan.py": ("test_plan.py", "+test_mutants_plan.py"),
    "core/test_request.py": ("test_request.py", "+test_mutants_request.py"),
    "core/test_result.py": ("test_result.py", "+test_mutants_result.py"),
    "core/test_trust.py": ("test_trust.py", "+test_mutants_trust.py"),
    "core/test_pacing.py": ("test_pacing.py", "+test_mutants_pacing.py"),
    "core/test_directory_lookup.py": ("+test_mutants_directory.py",),
    "core/test_versions.py": ("test_versions.py",),
    "core/test_scope.py": ("test_scope.py",),
    "core/test_scope_fences.py": ("test_scope_fences.py",),
    "core/test_reconcile.py": ("test_reconcile.py",),
    "core/test_reconcile_calls.py": ("test_reconcile_calls.py",),
    "core/test_reconcile_races.py": ("test_reconcile_races.py",),
    "core/test_reconcile_repair_refusal.py": ("test_reconcile_repair_refusal.py",),
    "core/test_reconcile_logs_and_failures.py": ("+test_mutants_reconcile.py",),
    "core/test_account_concurrency.py": ("test_account_concurrency.py",),
    "core/test_concurrent_reads.py": ("test_concurrent_reads.py",),
    "core/test_workers.py": ("test_workers.py",),
    "core/test_ignored_result_code.py": ("test_ignored_result_code.py",),
    "sweeps/test_sweep.py": ("test_sweep.py",),
    "sweeps/test_sweep_batches_and_listing.py": ("+test_mutants_sweep.py",),
    "sweeps/test_sweep_request.py": ("test_sweep_request_limits.py", "+test_mutants_sweep_request.py"),
    "sweeps/test_sweep_chain.py": ("test_sweep_chain.py",),
    "sweeps/test_sweep_missed_by_events.py": ("test_sweep_missed_by_events.py",),
    "sweeps/test_sweep_qualifier.py": ("test_sweep_qualifier.py",),
    "sweeps/test_sweep_token_encoding.py": ("test_sweep_token_encoding.py",),
    "sweeps/test_batch_first_page.py": ("test_batch_first_page.py",),
    "sweeps/test_missed_by_events_alert.py": ("test_missed_by_events_alert.py",),
    "sweeps/test_sweep_resumption.py": ("test_sweep_resumption.py",),
    "sweeps/test_event_sweep_window_and_cooldown.py": ("test_event_sweep_window_and_cooldown.py",),
    "intake/test_events.py": ("test_events.py",),
    "intake/test_actiontrail_records.py": ("+test_mutants_actiontrail.py",),
    "intake/test_jobs.py": ("+test_mutants_jobs.py",),
    "intake/test_events_http_timer_invalid.py": ("test_events_http_timer_invalid.py",),
    "intake/test_event_record_isolation.py": ("test_event_record_isolation.py",),
    "intake/test_sample_events_do_what_the_readme_says.py": ("test_sample_events_do_what_the_readme_says.py",),
    "application/test_app.py": ("test_app.py",),
    "application/test_admission_and_deadline.py": ("test_admission_and_deadline.py",),
    "application/test_event_retry_decision.py": ("test_event_retry_decision.py",),
    "application/test_fuzz_entry_points.py": ("test_fuzz_entry_points.py",),
    "adapters/test_settings_and_sdk.py": ("test_settings_and_sdk.py", "+test_mutants_settings.py"),
}
# file -> (second file, the tests (and classes) that go there): files a fold would leave over ~400 lines
SPLIT: dict[str, tuple[str, tuple[str, ...]]] = {
    "core/test_reconcile_logs_and_failures.py": (
        "core/test_role_run_waits_and_repairs.py",
        (
            "test_a_failed_trust_repair_names_the_call_that_failed",
            "test_waiting_for_a_new_role_stops_at_the_invocations_deadline",
            "test_a_repair_whose_trust_and_attachment_never_show_times_out_naming_both",
            "test_a_role_that_exists_but_is_not_yet_readable_is_waited_for_not_created_again",
            "test_a_role_never_readable_after_create_said_it_exists_times_out_saying_so",
            "test_verification_repeats_only_the_reads_still_unconfirmed",
            "Gathering",
            "test_every_role_of_an_account_runs_at_once_however_many_the_catalog_has",
        ),
    ),
}
TEST_HELPERS = {"__init__.py", "conftest.py", "fakes.py"}  # stay in tests/function/


def git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=ROOT, check=True)


def test_destinations() -> dict[str, str]:
    """Old test file name -> new path under tests/function/ (folded files -> the file they fold into)."""
    return {src.lstrip("+"): dest for dest, sources in TESTS.items() for src in sources}


def top_level_names(tree: ast.Module) -> dict[str, ast.stmt]:
    names: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names[name.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names


def is_header(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def segments(source: str) -> tuple[str, list[str], list[str], str]:
    """(docstring, imports, TYPE_CHECKING imports, the rest) of a test module, as source text."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    body = tree.body
    doc = ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        doc = str(body[0].value.value)
        body = body[1:]
    imports: list[str] = []
    checking: list[str] = []
    end = 0
    for node in body:
        if not is_header(node):
            break
        end = node.end_lineno or 0
        if isinstance(node, ast.If):
            checking += [ast.unparse(n) + "\n" for n in node.body]
        else:
            imports.append(ast.unparse(node) + "\n")
    rest = "".join(lines[end:]) if end else "".join(lines[body[0].lineno - 1 :] if body else [])
    return doc, imports, checking, rest


def header(doc: str, imports: list[str], checking: list[str]) -> str:
    text = f'"""{doc}"""\n\n' if doc else ""
    text += "".join(dict.fromkeys(imports))
    if checking:
        text += "\nif TYPE_CHECKING:\n" + "".join(f"    {line}" for line in dict.fromkeys(checking))
    return text + "\n\n"


def without(source: str, nodes: list[ast.stmt]) -> str:
    lines = source.splitlines(keepends=True)
    for node in sorted(nodes, key=lambda n: -n.lineno):
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        del lines[start : node.end_lineno]
    return "".join(lines)


def fold(dest: Path, source: Path) -> None:
    """Append source's tests to dest (imports merged after dest's); a name both define is an error to resolve."""
    dest_text = dest.read_text()
    src_text = source.read_text()
    ours, theirs = top_level_names(ast.parse(dest_text)), top_level_names(ast.parse(src_text))
    same = [n for n in set(ours) & set(theirs) if ast.unparse(ours[n]) == ast.unparse(theirs[n])]
    clashes = sorted(set(ours) & set(theirs) - set(same))
    if clashes:
        sys.exit(f"restructure: {source.name} and {dest.name} both define {', '.join(clashes)}: rename one")
    src_text = without(src_text, [theirs[n] for n in same])  # the same helper twice: once is enough
    doc, imports, checking, rest = segments(src_text)
    d_doc, d_imports, d_checking, d_rest = segments(dest_text)
    note = "\n".join(f"# {line}".rstrip() for line in doc.strip().splitlines())
    text = header(d_doc, d_imports + imports, d_checking + checking) + d_rest.strip() + "\n\n\n" + note + "\n"
    dest.write_text(text + rest.lstrip())


def split(path: Path, second: Path, names: tuple[str, ...]) -> None:
    """Move the named tests (and classes) into second, with copies of the imports and helpers they may use."""
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    doc, imports, checking, _ = segments(source)
    kept: list[str] = []
    moved: list[str] = []
    shared: list[str] = []
    for node in tree.body:
        if (isinstance(node, ast.Expr) and node is tree.body[0]) or is_header(node):
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        text = "".join(lines[start : node.end_lineno]) + "\n\n"
        name = getattr(node, "name", None)
        if name in names:
            moved.append(text)
        elif name is None or not (name.startswith("test_") or isinstance(node, ast.ClassDef)):
            shared.append(text)  # constants and helpers: both files get them
            kept.append(text)
        else:
            kept.append(text)
    used = {n.id for chunk in moved for n in ast.walk(ast.parse(chunk)) if isinstance(n, ast.Name)}
    helpers = [h for h in shared if set(top_level_names(ast.parse(h))) & used]
    head = header(doc, imports, checking)
    path.write_text(head + "".join(kept))
    second.write_text(head + "".join(helpers) + "".join(moved))
    git("add", str(path), str(second))


def move_tests() -> list[Path]:
    changed: list[Path] = []
    for layer in sorted({dest.split("/")[0] for dest in TESTS}):
        init = TESTS_DIR / layer / "__init__.py"
        if not init.exists():
            init.parent.mkdir(exist_ok=True)
            init.write_text("")
            git("add", str(init))
    for dest, sources in TESTS.items():
        target = TESTS_DIR / dest
        for src in sources:
            old = TESTS_DIR / src.lstrip("+")
            if not old.exists():
                continue
            # one folder deeper: the repository is one parent further up
            old.write_text(
                old.read_text().replace("Path(__file__).resolve().parents[2]", "Path(__file__).resolve().parents[3]")
            )
            if not target.exists():
                git("mv", str(old), str(target))
            else:
                fold(target, old)
                git("rm", "--quiet", "-f", str(old))
            changed.append(target)
    for dest, (second, names) in SPLIT.items():
        if (TESTS_DIR / dest).exists() and not (TESTS_DIR / second).exists():
            split(TESTS_DIR / dest, TESTS_DIR / second, names)
            changed.append(TESTS_DIR / second)
    return changed
