"""Scope bugs, applied one at a time: each is a one-line edit of function/ that widens what the function acts on
(or writes), and the tests that must catch it. For each bug the script applies the edit, runs its tests, records
which failed, and restores the file. Not part of `make test` (about 3 minutes); docs/scope-bugs.md lists the result.

    .venv/bin/python scripts/scope_bugs.py            # every bug; exit 1 if one is not caught
    .venv/bin/python scripts/scope_bugs.py B3 O7      # some of them
    .venv/bin/python scripts/scope_bugs.py --list     # the bugs and their edits, nothing run
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "function/emr_bootstrap/"

SCOPE = (
    "tests/function/core/test_scope_fences.py",
    "tests/function/core/test_scope.py",
    "tests/e2e/test_scope_end_to_end.py",
)
RESUME = ("tests/function/sweeps/test_sweep_resumption.py", "tests/e2e/test_sweep_resumption_end_to_end.py")
CHAIN = ("tests/function/sweeps/test_sweep_chain.py", "tests/e2e/test_sweep_chains_end_to_end.py")
SWEEP = (
    "tests/function/sweeps/test_sweep.py",
    "tests/function/sweeps/test_sweep_batches_and_listing.py",
    "tests/e2e/test_sweep_end_to_end.py",
)
MANAGEMENT = ("tests/e2e/test_management_account_end_to_end.py", "tests/function/core/test_reconcile.py")


@dataclass(frozen=True)
class Bug:
    name: str
    what: str
    file: str  # under function/emr_bootstrap/
    old: str
    new: str
    tests: tuple[str, ...]


BUGS = (
    # The six of issue 15, point 13.
    Bug(
        "B1",
        "a member status such as Removed treated as active",
        "cloud.py",
        "return self.status in ACTIVE_ACCOUNT_STATUSES",
        'return self.status != "CreateVerifying"',
        SCOPE,
    ),
    Bug(
        "B2",
        "an allow-list that lets the management account through",
        "scope.py",
        "if self.include_management_account:",
        "if self.include_management_account or account_id in (self.allowed_accounts or ()):",
        SCOPE + MANAGEMENT,
    ),
    Bug(
        "B3",
        "a folder filter (EMR_BOOTSTRAP_ALLOWED_FOLDERS) matched as a string prefix instead of on the directory path",
        "scope.py",
        "if path & self.allowed_folders:",
        "if any(part.startswith(folder) for part in path for folder in self.allowed_folders):",
        SCOPE,
    ),
    Bug(
        "B4",
        "a deny list ignored on the event path (create-first)",
        "reconcile.py",
        "refusal = self.scope.refuse_by_lists(account_id) or self.scope.refuse_management(",
        'refusal = (None if strategy == "create-first" else self.scope.refuse_by_lists(account_id)) or '
        "self.scope.refuse_management(",
        SCOPE,
    ),
    Bug(
        "B5",
        "a resume token that starts one account late at a page boundary",
        "sweep.py",
        "self.stop_at = position\n",
        "self.stop_at = position if position.offset else Position(position.page, 1)\n",
        RESUME,
    ),
    Bug(
        "B6",
        "an HTTP body limit ten times too large",
        "request.py",
        "MAX_PAYLOAD_BYTES = 64 * 1024",
        "MAX_PAYLOAD_BYTES = 640 * 1024",
        ("tests/api/test_body_limit.py",),
    ),
    # Our own, in the same spirit.
    Bug(
        "O1",
        "the deployment's deny list ignored for the accounts a sweep lists (the sweep path)",
        "reconcile.py",
        "refusal = self.scope.refuse_by_lists(account_id) or self.scope.refuse_management(",
        "refusal = (None if info is not None else self.scope.refuse_by_lists(account_id)) or "
        "self.scope.refuse_management(",
        SCOPE,
    ),
    Bug(
        "O2",
        "the deployment's folder scope ignoring sub-folders (only the account's own folder compared)",
        "scope.py",
        'path = set(info.path.split("/")) | ({info.folder_id} if info.folder_id else set())',
        "path = {info.folder_id}",
        SCOPE,
    ),
    Bug(
        "O3",
        "a sweep's folderIds filter ignoring sub-folders",
        "sweep.py",
        'path = set(info.path.split("/")) | {info.folder_id}',
        "path = {info.folder_id}",
        RESUME + SWEEP + SCOPE,
    ),
    Bug(
        "O4",
        "a sweep's excludeAccountIds ignored when it also has accountIds",
        "sweep.py",
        "if info.account_id in request.exclude:",
        "if info.account_id in request.exclude and request.include is None:",
        RESUME + SWEEP + SCOPE,
    ),
    Bug(
        "O5",
        "a token's continues flag honoured on an invocation that may not invoke itself (the HTTP function)",
        "sweep_runner.py",
        "dispatcher = ports.dispatcher if invocation.may_invoke_itself else None",
        "dispatcher = ports.dispatcher",
        CHAIN,
    ),
    Bug(
        "O6",
        "a fan-out batch's share not clamped (any positive share accepted)",
        "sweep_request.py",
        "not MIN_SHARE <= share <= 1:",
        "not 0 < share <= 1:",
        (*CHAIN, "tests/function/sweeps/test_sweep_request.py", "tests/function/core/test_pacing.py"),
    ),
    Bug(
        "O7",
        "the management-account exclusion failing open when GetResourceDirectory fails (5xx)",
        "scope.py",
        "            return management\n",
        "            return None if management.code == codes.MANAGEMENT_ACCOUNT_UNKNOWN else management\n",
        SCOPE + MANAGEMENT,
    ),
    Bug(
        "O8",
        "a dry run that writes once resumed (the token drops dryRun)",
        "sweep_request.py",
        '"dryRun": t.dry_run or None,',
        '"dryRun": None,',
        RESUME + CHAIN,
    ),
    Bug(
        "O9",
        "the deployment's allow list ignored in fan-out batches",
        "app.py",
        "scope=settings.scope,",
        "scope=settings.scope if invocation.pacing_share == 1.0 else replace(settings.scope, allowed_accounts=None),",
        SCOPE + CHAIN,
    ),
    Bug(
        "O10",
        "a dry run that writes through fan-out (the batch payload drops dryRun)",
        "sweep.py",
        'for key in ("folderIds", "excludeAccountIds", "changedWithinMinutes"):',
        'for key in ("folderIds", "excludeAccountIds", "changedWithinMinutes", "dryRun"):',
        CHAIN + SWEEP,
    ),
    Bug(
        "O11",
        "changedWithinMinutes picking the accounts that changed before the window instead of within it",
        "sweep.py",
        "return any(t is None or t >= since for t in times)",
        "return any(t is None or t <= since for t in times)",
        SWEEP + RESUME,
    ),
    Bug(
        "O12",
        "an event's new account equal to the caller (the management account) taken when the caller's ID is a number",
        "actiontrail.py",
        'caller = _account_id(_dig(record, ("userIdentity", "accountId")))',
        'caller = _dig(record, ("userIdentity", "accountId"))',
        ("tests/function/intake/test_events.py", "tests/function/intake/test_event_record_isolation.py"),
    ),
)


def apply(bug: Bug) -> str:
    """Apply ``bug``; return the file's original text. Refuses an edit that does not match exactly once."""
    path = ROOT / PACKAGE / bug.file
    text = path.read_text()
    if text.count(bug.old) != 1:
        raise SystemExit(f"{bug.name}: the edit does not apply ({bug.old!r} found {text.count(bug.old)} times)")
    path.write_text(text.replace(bug.old, bug.new))
    return text


def run(bug: Bug) -> tuple[bool, list[str]]:
    """Whether the bug was caught, and the tests that failed."""
    original = apply(bug)
    try:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-rf"]
        done = subprocess.run([*command, *bug.tests], cwd=ROOT, capture_output=True, text=True, check=False)
    finally:
        (ROOT / PACKAGE / bug.file).write_text(original)
    failed = sorted(set(re.findall(r"^FAILED (\S+)", done.stdout, re.MULTILINE)))
    if done.returncode not in (0, 1):
        failed.append(f"(pytest exit {done.returncode}: {done.stdout.strip().splitlines()[-1:]})")
    return done.returncode != 0, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="bugs to apply (default: all)")
    parser.add_argument("--list", action="store_true", help="list the bugs and their edits; run nothing")
    args = parser.parse_args()
    chosen = [bug for bug in BUGS if not args.names or bug.name in args.names]
    missed = []
    for bug in chosen:
        print(f"## {bug.name}: {bug.what}\n{PACKAGE}{bug.file}: {bug.old.strip()!r} -> {bug.new.strip()!r}")
        if args.list:
            continue
        caught, failed = run(bug)
        print("caught by:" if caught else "NOT CAUGHT", *(f"  {test}" for test in failed), sep="\n", flush=True)
        if not caught:
            missed.append(bug.name)
    if missed:
        print("not caught:", ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
