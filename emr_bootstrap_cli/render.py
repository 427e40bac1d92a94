"""What the CLI prints. ``--output json``: exactly the JSON the handler returns. Otherwise a table: coloured on a
terminal (no colour when ``NO_COLOR`` is set, https://no-color.org), plain columns without box or colour when the
output is not a terminal (a pipe, a file), so that grep and awk can read it."""

from __future__ import annotations

import os
from typing import IO, TYPE_CHECKING, Any, Final

from emr_bootstrap.intake.http_event import json_text
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

STYLES: Final = {
    "succeeded": "green",
    "created": "green",
    "updated": "green",
    "unchanged": "dim",
    "planned": "cyan",
    "drifted": "yellow",
    "skipped": "yellow",
    "not-attempted": "yellow",
    "failed": "bold red",
    "partial": "yellow",
    "invalid": "bold red",
    "ignored": "dim",
}
RESULT_COLUMNS: Final = ("ACCOUNT", "STATUS", "ROLE", "OUTCOME", "CHANGES")
CATALOG_COLUMNS: Final = ("ROLE", "TRUSTS", "POLICY", "REQUIRED WHEN")
REQUIRED_WHEN: Final = {
    "current": "EMR > 3.32.0 / > 4.5.0, 5.x and later (the default)",
    "legacy": "EMR <= 3.32.0 / <= 4.5.0",
}


def console(stream: IO[str]) -> Console:
    """A console for ``stream``: a terminal gets colour (unless NO_COLOR) and its own width; anything else plain."""
    tty = stream.isatty()
    plain = not tty or bool(os.environ.get("NO_COLOR"))
    return Console(
        file=stream,
        force_terminal=tty,
        no_color=plain,
        color_system=None if plain else "auto",
        width=None if tty else 10_000,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=not tty,
    )


def one_line(text: str, limit: int = 240) -> str:
    """A message as one line: a cloud error may carry more (SignatureDoesNotMatch quotes its string to sign, a
    hash on the next line), which stays out of the operator's terminal."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    if "server string to sign is:" in first:
        first = first.split("server string to sign is:")[0].rstrip()
    more = first != text.strip()
    first = first if len(first) <= limit else first[: limit - 3] + "..."
    return first + (" ..." if more and not first.endswith("...") else "")


def print_json(stream: IO[str], document: Any) -> None:
    stream.write(json_text(document) + "\n")
    stream.flush()


WRAPPING: Final = ("CHANGES", "TRUSTS", "REQUIRED WHEN")


def _table(out: Console, *columns: str, stacked: bool = False) -> Table:
    terminal = out.is_terminal
    table = Table(
        box=box.ROUNDED if terminal else None, pad_edge=terminal, show_edge=terminal, show_lines=stacked and terminal
    )
    for column in columns:
        # fold, never an ellipsis: a role or policy name is either whole or broken across lines, never cut short
        table.add_column(column, no_wrap=not stacked and column not in WRAPPING, overflow="fold")
    return table


def _need(column: str, cells: Sequence[str]) -> int:
    """The width a column needs so as to cut no word: its longest cell, or its longest word if it wraps."""
    words = [word for cell in [column, *cells] for word in cell.split()] if column in WRAPPING else [column, *cells]
    return max((len(line) for word in words for line in word.splitlines()), default=0)


def fitted(
    out: Console, columns: Sequence[str], rows: Sequence[Sequence[Text]], stacks: Sequence[Sequence[int]]
) -> Table:
    """The table as is when the terminal is wide enough; otherwise with each group of ``stacks`` (column indices)
    stacked into one column, a line each, so that a narrow terminal (80 columns) shows every column and every
    name whole. Plain output (a pipe, a file) is never stacked: grep and awk read one row per line."""
    needs = [_need(column, [row[i].plain for row in rows]) for i, column in enumerate(columns)]
    if not out.is_terminal or out.width >= sum(needs) + 3 * len(columns) + 1:
        table = _table(out, *columns)
        for row in rows:
            table.add_row(*row)
        return table
    table = _table(out, *[" / ".join(columns[i] for i in group) for group in stacks], stacked=True)
    widths = [max(needs[i] for i in group) for group in stacks]
    if sum(widths) + 3 * len(stacks) + 1 <= out.width:  # else too narrow for whole names: fold them
        for column, width, group in zip(table.columns, widths, stacks, strict=True):
            if not any(columns[i] in WRAPPING for i in group):  # names: whole; the rest wraps into what is left
                column.width = width
    for row in rows:
        table.add_row(*[Text("\n").join(row[i] for i in group if row[i].plain) for group in stacks])
    return table


def emit(out: Console, renderable: Table | Text | str) -> None:
    """Print; without a terminal, with no trailing blanks (a table pads its last column)."""
    if out.is_terminal:
        out.print(renderable)
        return
    with out.capture() as captured:
        out.print(renderable)
    out.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    out.file.flush()


def _styled(value: str) -> Text:
    return Text(value, style=STYLES.get(value, ""))


def _error_text(error: Mapping[str, Any] | None) -> str:
    return f"{error.get('code')}: {one_line(str(error.get('message', '')))}" if error else ""


def _changes(role: Mapping[str, Any]) -> str:
    """The actions, in order (the policy is the role's own, shown by ``catalog`` and in the JSON)."""
    return ", ".join(str(change["action"]) for change in role.get("changes", []))


def _role_notes(role: Mapping[str, Any]) -> list[str]:
    notes = [_error_text(role["error"])] if role.get("error") else []
    if role.get("drift"):
        notes.append(f"trust policy differs: {role['drift'].get('trustPolicy', '')}")
    if role.get("reason"):
        notes.append(str(role["reason"]))
    if role.get("extraPolicies"):
        notes.append("extra policies, left attached: " + ", ".join(role["extraPolicies"]))
    return notes


def _notes(result: Mapping[str, Any]) -> list[str]:
    """Why each account or role is not simply done: an error, a skip, a drift, a reason; then one hint per code."""
    notes: list[str] = []
    hints: dict[str, str] = {}
    problems = [result.get("error")]
    if result.get("error"):
        notes.append(f"error: {_error_text(result['error'])}")
    for account in result.get("accounts", []):
        account_id = account.get("accountId")
        why = account.get("error") or account.get("skipped")
        if why:
            directory = f" (directory status {account['directoryStatus']})" if account.get("directoryStatus") else ""
            notes.append(f"{account_id}: {_error_text(why)}{directory}")
        problems += [account.get("error"), account.get("skipped")]
        for role in account.get("roles", []):
            notes += [f"{account_id} {role.get('roleName')}: {note}" for note in _role_notes(role)]
            problems.append(role.get("error"))
    for problem in problems:
        if problem and problem.get("hint"):
            hints.setdefault(str(problem.get("code")), str(problem["hint"]))
    return notes + [f"hint ({code}): {hint}" for code, hint in hints.items()]


def result_table(out: Console, result: Mapping[str, Any]) -> None:
    """One row per role (an account without roles: one row); on a terminal the account is named on its first row
    only, in plain output on every row (for grep and awk). Then the summary, and the notes: errors, skips, drift,
    hints."""
    rows: list[list[Text]] = []
    for account in result.get("accounts", []):
        account_id, status = str(account.get("accountId")), str(account.get("status", ""))
        roles = account.get("roles") or [{"roleName": "-", "outcome": "-"}]
        for index, role in enumerate(roles):
            first = index == 0 or not out.is_terminal
            rows.append(
                [
                    Text(account_id if first else ""),
                    _styled(status) if first else Text(""),
                    Text(str(role.get("roleName"))),
                    _styled(str(role.get("outcome", ""))),
                    Text(_changes(role)),
                ]
            )
    if rows:
        emit(out, fitted(out, RESULT_COLUMNS, rows, ((0, 1), (2, 3), (4,))))
    emit(out, summary_line(result))
    for note in _notes(result):
        emit(out, Text(note, style="yellow" if note.startswith("hint") else ""))


def summary_line(result: Mapping[str, Any]) -> Text:
    summary = result.get("summary", {})
    statuses = ", ".join(f"{n} {status}" for status, n in summary.get("accountStatus", {}).items() if n)
    outcomes = ", ".join(f"{n} {outcome}" for outcome, n in summary.get("roleOutcomes", {}).items() if n)
    line = Text()
    line.append(f"{result.get('status')}", style=STYLES.get(str(result.get("status")), ""))
    accounts = summary.get("accounts", 0)
    if accounts:
        line.append(f": {accounts} account{'s' if accounts != 1 else ''}" + (f" ({statuses})" if statuses else ""))
    if outcomes:
        line.append(f"; roles: {outcomes}")
    if result.get("dryRun"):
        line.append("; dry run, nothing was changed")
    if result.get("reason"):
        line.append(f"{'; ' if accounts else ': '}{result['reason']}")
    line.append(f" [request {result.get('requestId')}]", style="dim")
    return line


def catalog_table(out: Console, document: Mapping[str, Any]) -> None:
    rows = []
    for role in document.get("roles", []):
        when = role.get("requiredWhen", {})
        if "always" in when:
            text = "always"
        elif "feature" in when:
            text = f'feature "{when["feature"]}"'
        else:
            text = REQUIRED_WHEN.get(str(when.get("ecsRoleGeneration")), str(when))
        trusts = ", ".join(role.get("trustedServices", []))
        rows.append([Text(role["roleName"]), Text(trusts), Text(role.get("policyName", "")), Text(text)])
    emit(out, fitted(out, CATALOG_COLUMNS, rows, ((0, 2), (1, 3))))
