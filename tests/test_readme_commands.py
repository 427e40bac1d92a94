"""The README's commands are real: every ``emr-bootstrap`` subcommand and option it names is in the CLI's parser,
every ``make`` target in the Makefile, every repository path on disk (a test named ``file::name`` too), and its
console sessions, run through the installed console script against the embedded emulator, print what the README
shows (word for word, whatever the table's layout) and exit as it says."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from emr_bootstrap_cli.main import cli

if TYPE_CHECKING:
    import click

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SCRIPT = Path(sys.executable).parent / "emr-bootstrap"
# Options and commands that other branches of this round add (cliplan: plan --out; clifc: invoke --function,
# doctor). The README documents them already; once they are merged, the test below says to empty this.
PENDING: dict[str, frozenset[str]] = {}
_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_OPTION = re.compile(r"^(--?[A-Za-z][\w-]*)")
_PATH = re.compile(
    r"^(?:function|emulator|emr_bootstrap_cli|events|deploy|docs|tests|bench|scripts|requirements|\.ci)/[\w./*:-]+$"
)
_UUID = re.compile(r"(cli-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def code_texts(text: str) -> list[str]:
    """Every code span, and every line of every fenced block."""
    fenced = [line for _, body in _FENCE.findall(text) for line in body.splitlines()]
    return _SPAN.findall(_FENCE.sub("", text)) + fenced


def command_table_rows(text: str) -> list[str]:
    """The CLI table's first cells (``plan ACCOUNT_ID... [--request FILE] ...``), as command lines."""
    table = text.partition("| command | what it does |")[2].split("\n\n", 1)[0]
    return ["emr-bootstrap " + cell for cell in re.findall(r"^\| `(.+?)` \|", table, re.MULTILINE)]


def invocations(text: str) -> list[tuple[str, list[str]]]:
    """(subcommand, options) of every ``emr-bootstrap`` command line (up to a pipe, ``;``, ``&&`` or comment)."""
    found = []
    for code in [*code_texts(text), *command_table_rows(text)]:
        for match in re.finditer(r"(?:^|[\s$(])emr-bootstrap((?: [^\s|;&#]+)+)", code.replace("\\|", " ")):
            words = [w.strip("[]'\"`,") for w in match.group(1).split()]
            words = [w for w in words if w]
            options = [m.group(1) for w in words if (m := _OPTION.match(w))]
            commands = [w for w in words if not w.startswith("-")]
            if commands and re.fullmatch(r"[a-z]+", commands[0]):
                found.append((commands[0], options))
    return found


def parser_options(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


GLOBAL_OPTIONS = parser_options(cli) | {"-h", "--help"}


def unknown(subcommand: str, options: list[str]) -> list[str]:
    """What the parser lacks of one command line: the subcommand, or its options (pending ones aside)."""
    pending = PENDING.get(subcommand, frozenset())
    if subcommand not in cli.commands:
        return [] if "*" in pending else [subcommand]
    if subcommand == "emulator":  # its own argparse parser: emr-bootstrap-emulator --help
        return []
    known = parser_options(cli.commands[subcommand]) | GLOBAL_OPTIONS | pending
    return [option for option in options if option not in known]


def test_the_readme_names_commands_and_options_that_the_cli_has() -> None:
    assert len(command_table_rows(readme())) >= 10
    found = invocations(readme())
    assert {"plan", "apply", "sweep", "catalog", "invoke", "serve", "doctor"} <= {sub for sub, _ in found}
    missing = {f"{sub} {' '.join(bad)}" for sub, options in found if (bad := unknown(sub, options))}
    assert missing == set()


def test_the_checker_catches_a_misspelt_option_and_an_unknown_command() -> None:
    (found,) = invocations("Run `emr-bootstrap plan --local --dryrun 1234567890` now.")
    assert unknown(*found) == ["--dryrun"]
    assert unknown("plans", []) == ["plans"]


def test_pending_options_are_not_merged_yet() -> None:
    """Once plan --out, invoke --function and doctor are merged, PENDING must be emptied (so that the README's
    mention of them is checked against the parser like every other)."""
    merged = {
        f"{sub} {option}"
        for sub, options in PENDING.items()
        if sub in cli.commands
        for option in options
        if option in parser_options(cli.commands[sub]) or option == "*"
    }
    assert merged == set(), "these are in the CLI now: remove them from PENDING in tests/test_readme_commands.py"


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, re.MULTILINE))
    named = {m for code in code_texts(readme()) for m in re.findall(r"(?:^|[\s(])make ([a-z][\w-]*)", code)}
    assert {"demo", "test", "package", "lock"} <= named
    assert named - targets == set()


def _paths(text: str) -> set[str]:
    links = re.findall(r"\]\(([^)#\s]+)\)", text)
    words = [w.rstrip(".,;:)") for code in code_texts(text) for w in code.split()]
    return {w for w in [*links, *words] if _PATH.match(w) and "<" not in w}


def test_every_repository_path_the_readme_names_exists() -> None:
    missing = []
    for named in sorted(_paths(readme())):
        path, _, test_name = named.partition("::")
        matches = list(REPO.glob(path)) if "*" in path else [REPO / path] if (REPO / path).exists() else []
        defined = not test_name or any(re.search(rf"def {re.escape(test_name)}\(", m.read_text()) for m in matches)
        if not matches or not defined:
            missing.append(named)
    assert missing == []


def test_the_cli_is_where_the_readme_says_after_set_up() -> None:
    """`.venv/bin/emr-bootstrap`: the console script sits beside the venv's interpreter."""
    assert "`.venv/bin/emr-bootstrap`" in readme() and "source .venv/bin/activate" in readme()
    assert SCRIPT.is_file() and os.access(SCRIPT, os.X_OK)


def operator_shell(home: Path) -> dict[str, str]:
    """A new user's shell: an empty HOME, no keys or settings, no colour, the venv's scripts first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "EMR_BOOTSTRAP_"))}
    env.update(HOME=str(home), NO_COLOR="1", PATH=f"{SCRIPT.parent}{os.pathsep}{env.get('PATH', '')}")
    return env


def test_every_s_yaml_var_the_readme_names_is_in_s_yaml() -> None:
    s_yaml = yaml.safe_load((REPO / "s.yaml").read_text())
    named = set(re.findall(r"vars\.(\w+)", readme()))
    assert {"region", "eventRole", "httpRole", "asyncFailureDestination"} <= named
    assert named - set(s_yaml["vars"]) == set()
    assert s_yaml["access"] == "default" and "`access: default`" in readme()


def test_invoke_local_does_with_the_cloud_account_sample_what_the_events_readme_says(tmp_path: Path) -> None:
    """events/README.md: in the cloud a CreateVerifying account is skipped, but `invoke --local` creates the
    accounts an event names as active members, "so there the roles are `created`"."""
    assert "so there the roles are `created`" in (REPO / "events" / "README.md").read_text()
    sample = "events/actiontrail-create-cloud-account.json"
    run = subprocess.run(
        [str(SCRIPT), "invoke", "--local", sample, "-o", "json"],
        cwd=REPO,
        env=operator_shell(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    (account,) = json.loads(run.stdout)["accounts"]
    assert {role["outcome"] for role in account["roles"]} == {"created"}


# ---------------------------------------------------------------------------------------------- console sessions
def console_sessions(text: str) -> list[tuple[str, str]]:
    """(command, its output as shown) for every ``$ emr-bootstrap`` line of the console blocks but ``serve``."""
    sessions = []
    for language, body in _FENCE.findall(text):
        if language != "console":
            continue
        for chunk in re.split(r"^\$ ", body, flags=re.MULTILINE)[1:]:
            command, _, shown = chunk.partition("\n")
            if command.startswith("emr-bootstrap ") and not command.startswith("emr-bootstrap serve"):
                sessions.append((command, shown))
    return sessions


def words(text: str) -> set[str]:
    text = _UUID.sub("", re.sub(r"[╭╮╰╯│─┬┴┼├┤]", " ", text))
    return set(text.split()) - {"[request", "]"}


SESSIONS = console_sessions(readme())


def test_the_readme_shows_console_sessions_to_run() -> None:
    assert len(SESSIONS) >= 5


@pytest.mark.parametrize(("command", "shown"), SESSIONS, ids=[c for c, _ in SESSIONS])
def test_a_readme_console_session_prints_what_the_readme_shows(command: str, shown: str, tmp_path: Path) -> None:
    for tool in re.findall(r"\| *(\w+)", command):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    answer = re.search(r"\? \[y/N\]: (\w+)$", shown, re.MULTILINE)
    run = subprocess.run(
        ["bash", "-c", command],
        cwd=REPO,
        env=operator_shell(tmp_path),
        input=f"{answer.group(1)}\n" if answer else "",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    expected = words(shown) - ({answer.group(1)} if answer else set())
    assert expected - words(run.stdout + run.stderr) == set(), run.stdout + run.stderr
    if "exit $?" not in command:
        assert run.returncode == 0, run.stderr


def local_commands(text: str) -> list[str]:
    """The ``emr-bootstrap`` lines of the ``sh`` blocks that need no cloud: ``--local``, ``catalog``, ``--help``."""
    lines = [
        line.split("  #")[0].strip()
        for lang, body in _FENCE.findall(text)
        if lang == "sh"
        for line in body.splitlines()
    ]
    return [
        line
        for line in lines
        if line.startswith("emr-bootstrap ") and re.search(r" --local\b| catalog$| --help$", line)
    ]


LOCAL_COMMANDS = local_commands(readme())


@pytest.mark.parametrize("command", LOCAL_COMMANDS)
def test_a_readme_command_that_needs_no_cloud_runs(command: str, tmp_path: Path) -> None:
    assert len(LOCAL_COMMANDS) >= 4
    run = subprocess.run(
        ["bash", "-c", command], cwd=REPO, env=operator_shell(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
