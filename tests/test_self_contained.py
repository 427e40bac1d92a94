"""The repository stands alone: a fresh clone needs no file from outside it.

Over every tracked text file (``git ls-files``): no path that leaves the repository (the shared reference folder
that once sat beside it, machine-specific absolute paths, Markdown links that climb above the root), no citation of
a reference document that is not in ``docs/``, and every citation ``docs/<file>.md §<n>`` names a heading that
exists. The project's notes must also agree with their own list of unconfirmed facts.

The patterns below are written so that this file does not match them itself.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = "docs"
# ID prefix of an unconfirmed fact -> the notes file that holds it.
NOTES = {"A": "docs/alibaba-cloud.md", "F": "docs/fc-notes.md"}
UNCONFIRMED_LIST = "Unconfirmed facts"  # the heading, in docs/alibaba-cloud.md, that lists every mark

SHARED_FIX = (
    "cite the repository's own notes (docs/alibaba-cloud.md, docs/fc-notes.md) or a public source, "
    "or vendor the file into the repository (as tests/data/ does for the fc3 schema)"
)
# Reference documents that lived beside the repository, and what to cite instead. Names are split into stem and
# extension so that this file does not cite them itself.
EXTERNAL_DOCUMENTS = {
    f"{stem}.{ext}": fix
    for (stem, ext), fix in {
        ("alibaba-api", "md"): "cite docs/alibaba-cloud.md (same section numbers)",
        ("function-compute", "md"): "cite docs/fc-notes.md (same section numbers)",
        ("peers", "md"): "cite a public source (the peers' own documentation)",
        ("style-models", "md"): "cite a public source (the model project's own files)",
        ("seed-emr-assign-roles", "txt"): 'cite the EMR doc "Assign roles to an Alibaba Cloud account" and its URL',
    }.items()
}


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    fix: str


RULES = (
    # The whole path is one finding: the document name at its end is not reported again.
    Rule(
        "path into the shared folder beside the repository",
        re.compile(r"(?:\.\./)*shared[/\\]reference(?:[/\\][\w.-]+)*|\.\./shared\b(?:[/\\][\w.-]+)*"),
        SHARED_FIX,
    ),
    Rule(
        "absolute path of one machine",
        re.compile(r"(?<![\w.~/-])/work(?=/)"),
        "use a path relative to the repository root",
    ),
)
_EXTERNAL_NAME = re.compile(r"(?<![\w.-])(?P<name>" + "|".join(map(re.escape, EXTERNAL_DOCUMENTS)) + ")")
_MD_LINK = re.compile(r"\[[^\]\n]*\]\((?P<target><[^>\n]+>|[^)\s]+)(?:\s+\"[^\"\n]*\")?\)")
_MD_REFERENCE = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*(?P<target>\S+)", re.MULTILINE)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# A run of sections after a document name: "§1.3", "§1.3, §3", "§3.1/§3.2", "§5.1 and §5.2", "§§1.3".
_SECTIONS = r"(?P<sections>§+ ?\d+(?:\.\d+)*(?:[ \t]*(?:,|/|and|&)[ \t]*§+ ?\d+(?:\.\d+)*)*)"
# Between the name and the first section: a closing backtick, a comma, spaces, or one line break (plus a comment
# marker).
_GAP = r"`?,?[ \t]*(?:\n[ \t]*(?:#+[ \t]*)?)?"
_DOCS_CITATION = re.compile(r"(?<![\w.-])(?P<path>docs/[\w.-]+\.md)" + _GAP + _SECTIONS)
_BARE_CITATION = re.compile(r"(?<![\w/.-])(?P<path>[\w.-]+\.md)" + _GAP + _SECTIONS)
_DOCS_MENTION = re.compile(r"(?<![\w.-])(?P<path>docs/[\w.-]+\.md)")
_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>.+)$", re.MULTILINE)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MARK = re.compile(r"\[unconfirmed\]", re.IGNORECASE)
_MARK_WITH_ID = re.compile(r"\*\*\[unconfirmed\]\*\*\s*\((?P<id>[A-Z]\d+)\)")
_LIST_ENTRY = re.compile(r"^- \*\*(?P<id>[A-Z]\d+)\*\*", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}: {self.problem}; fix: {self.fix}"


def tracked_text_files() -> dict[str, str]:
    """Repository-relative path -> text, for every tracked file that is text (binary files are skipped)."""
    result = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"not a git checkout ({result.stderr.decode(errors='replace').strip()}): nothing to list")
    files: dict[str, str] = {}
    for name in result.stdout.decode().split("\0"):
        path = REPO / name
        if not name or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            files[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return files


def _line_of(text: str, offset: int) -> tuple[int, str]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text.count("\n", 0, offset) + 1, text[start : end if end >= 0 else len(text)].strip()


def _finding(path: str, text: str, offset: int, problem: str, fix: str) -> Finding:
    line, content = _line_of(text, offset)
    return Finding(path, line, content, problem, fix)


def outside_references(path: str, text: str) -> list[Finding]:
    """Paths and document names in ``text`` (the file ``path``) that point outside the repository."""
    matches = [(rule, m) for rule in RULES for m in rule.pattern.finditer(text)]
    findings = [_finding(path, text, m.start(), rule.name, rule.fix) for rule, m in matches]
    inside_a_path = [range(m.start(), m.end()) for _, m in matches]
    in_docs = PurePosixPath(path).parent == PurePosixPath(DOCS)
    for m in _EXTERNAL_NAME.finditer(text):
        name = m["name"]
        if any(m.start() in span for span in inside_a_path):
            continue
        prefixed = text[max(0, m.start() - len(DOCS) - 1) : m.start()] == f"{DOCS}/"
        if prefixed or (in_docs and (REPO / DOCS / name).is_file()):
            continue  # a file of docs/ (whether it exists is the citation check's business)
        findings.append(
            _finding(path, text, m.start(), f"cites {name}, which is not in the repository", EXTERNAL_DOCUMENTS[name])
        )
    return findings


def escaping_links(path: str, text: str) -> list[Finding]:
    """Relative Markdown links of ``path`` that resolve above the repository root, and absolute ones."""
    if not path.endswith(".md"):
        return []
    findings: list[Finding] = []
    links = sorted([*_MD_LINK.finditer(text), *_MD_REFERENCE.finditer(text)], key=lambda m: m.start())
    for m in links:
        target = m["target"].strip("<>").split("#", 1)[0].split("?", 1)[0]
        if not target or _URL.match(target):
            continue  # an anchor in the same file, or a URL
        if target.startswith("/"):
            findings.append(
                _finding(path, text, m.start(), f"absolute link {target}", "link relative to this file instead")
            )
            continue
        resolved = os.path.normpath(PurePosixPath(path).parent / target)
        if resolved == ".." or resolved.startswith("../"):
            findings.append(_finding(path, text, m.start(), f"link {target} leaves the repository", SHARED_FIX))
    return findings


def _headings(doc: Path) -> list[str]:
    return [m["title"] for m in _HEADING.finditer(doc.read_text(encoding="utf-8"))]


def _has_section(headings: list[str], number: str) -> bool:
    # "§1" must not be satisfied by "§1.3", nor "§1.3" by "§1.30".
    wanted = re.compile(rf"§{re.escape(number)}(?!\d|\.\d)")
    return any(wanted.search(title) for title in headings)


def broken_citations(path: str, text: str) -> list[Finding]:
    """``docs/<file>.md [§n]`` (and ``<file>.md §n`` inside docs/) that name a missing file or section."""
    findings: list[Finding] = []
    for m in _DOCS_MENTION.finditer(text):
        if not (REPO / m["path"]).is_file():
            findings.append(
                _finding(path, text, m.start(), f"{m['path']} does not exist", f"cite an existing file of {DOCS}/")
            )
    citations = [(m, m["path"]) for m in _DOCS_CITATION.finditer(text)]
    if PurePosixPath(path).parent == PurePosixPath(DOCS):
        citations += [(m, f"{DOCS}/{m['path']}") for m in _BARE_CITATION.finditer(text)]
    for m, target in citations:
        doc = REPO / target
        if not doc.is_file():
            continue  # reported above, or a bare name that is not a note (e.g. README.md §n is not ours)
        headings = _headings(doc)
        for number in _SECTION_NUMBER.findall(m["sections"]):
            if not _has_section(headings, number):
                findings.append(
                    _finding(
                        path,
                        text,
                        m.start(),
                        f"{target} has no heading containing §{number}",
                        f"cite an existing section of {target}, or add a heading '§{number} ...' there",
                    )
                )
    return findings


def _list_section(text: str) -> tuple[int, int]:
    """Start and end offsets of the 'Unconfirmed facts' section (end of file or the next level-2 heading)."""
    start = text.index(f"## {UNCONFIRMED_LIST}")
    following = text.find("\n## ", start + 1)
    return start, following if following >= 0 else len(text)


def unconfirmed_mismatches(notes: dict[str, str]) -> list[str]:
    """Differences between the marks in ``notes`` (repository path -> text) and the list in the first notes file."""
    problems: list[str] = []
    used: dict[str, str] = {}
    start, end = _list_section(notes[NOTES["A"]])
    listed = [m["id"] for m in _LIST_ENTRY.finditer(notes[NOTES["A"]][start:end])]
    for name, text in notes.items():
        # Blank out the list itself and inline code (which may show the mark's syntax), keeping offsets.
        body = text[:start] + " " * (end - start) + text[end:] if name == NOTES["A"] else text
        body = _INLINE_CODE.sub(lambda c: " " * len(c.group()), body)
        for m in _MARK.finditer(body):
            marked = _MARK_WITH_ID.match(body, max(0, m.start() - 2))
            line, content = _line_of(text, m.start())
            where = f"{name}:{line}: {content!r}"
            if marked is None:
                problems.append(f"{where}: mark without ID; fix: write **[unconfirmed]** (ID) and list the ID")
            elif NOTES.get(marked["id"][0]) != name:
                problems.append(f"{where}: {marked['id']} has the prefix of another file; fix: use the next free ID")
            else:
                used.setdefault(marked["id"], where)
    for fact_id in sorted({i for i in listed if listed.count(i) > 1}):
        problems.append(f"{NOTES['A']}: {fact_id} is listed more than once under '{UNCONFIRMED_LIST}'")
    for fact_id, where in sorted(used.items()):
        if fact_id not in listed:
            problems.append(f"{where}: {fact_id} is not listed; fix: add it under '{UNCONFIRMED_LIST}'")
    for fact_id in sorted(set(listed) - set(used)):
        problems.append(
            f"{NOTES['A']}: {fact_id} is listed but marked nowhere; fix: remove the entry, or mark the fact"
        )
    return problems


def _report(findings: list[Finding]) -> str:
    return "\n".join(str(f) for f in sorted(findings, key=lambda f: (f.path, f.line)))


# ---------------------------------------------------------------------------------------------- the repository
def test_no_tracked_file_refers_to_a_path_or_document_outside_the_repository() -> None:
    findings = [f for path, text in tracked_text_files().items() for f in outside_references(path, text)]
    if findings:
        pytest.fail(f"{len(findings)} reference(s) to outside the repository:\n{_report(findings)}", pytrace=False)


def test_markdown_links_stay_inside_the_repository() -> None:
    findings = [f for path, text in tracked_text_files().items() for f in escaping_links(path, text)]
    if findings:
        pytest.fail(f"{len(findings)} link(s) leave the repository:\n{_report(findings)}", pytrace=False)


def test_every_citation_of_the_project_notes_names_an_existing_section() -> None:
    findings = [f for path, text in tracked_text_files().items() for f in broken_citations(path, text)]
    if findings:
        pytest.fail(f"{len(findings)} citation(s) do not resolve:\n{_report(findings)}", pytrace=False)


def test_unconfirmed_marks_in_docs_and_their_list_agree() -> None:
    notes = {path: (REPO / path).read_text(encoding="utf-8") for path in NOTES.values()}
    problems = unconfirmed_mismatches(notes)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# ---------------------------------------------------------------------------------------------- the scanners
# Strings are assembled from pieces so that this file does not match its own patterns.
SHARED_PATH = "path into the shared folder beside the repository"
API_NOTES, FC_NOTES = "alibaba-api" + ".md", "function-compute" + ".md"
OWN_FC_NOTES = "fc-notes" + ".md"  # the repository's own notes on Function Compute


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("see ../" + "shared/x.md", SHARED_PATH),
        ("`../.." + "/shared" + "/reference/" + API_NOTES + "`", SHARED_PATH),
        ("shared" + "/reference/fc3.json", SHARED_PATH),
        ("cp " + "/work" + "/main/x .", "absolute path of one machine"),
        (f"({API_NOTES} §1.3)", f"cites {API_NOTES}, which is not in the repository"),
        (f"# {FC_NOTES} §2.2", f"cites {FC_NOTES}, which is not in the repository"),
        ("from peers" + ".md", "cites peers" + ".md, which is not in the repository"),
    ],
)
def test_scanner_flags_each_kind_of_outside_reference(text: str, problem: str) -> None:
    (finding,) = outside_references("function/x.py", f"a\n{text}\n")
    assert (finding.path, finding.line, finding.problem) == ("function/x.py", 2, problem)
    assert finding.fix


def test_scanner_accepts_the_notes_urls_and_relative_citations_inside_docs() -> None:
    text = f"docs/alibaba-cloud.md §1.3; https://example.com/work/x; /workspace/y;\ndocs/{OWN_FC_NOTES} §2.2\n"
    assert outside_references("function/x.py", text) == []
    assert outside_references("docs/alibaba-cloud.md", f"see {OWN_FC_NOTES} §3.2") == []


def test_link_scanner_flags_links_above_the_root_and_absolute_links_only() -> None:
    text = "[a](../README.md) [b](../../x.md) [c](https://x.org/../y) [d](#anchor)\n[e]: ../../z\n[f](/etc/passwd)"
    problems = [(f.line, f.problem) for f in escaping_links("docs" + "/notes.md", text)]
    assert problems == [
        (1, "link ../../x.md leaves the repository"),
        (2, "link ../../z leaves the repository"),
        (3, "absolute link /etc/passwd"),
    ]


def test_citation_scanner_checks_every_section_of_a_run() -> None:
    text = "docs/alibaba-cloud" + ".md §1.3, §3 and §99.1; docs/" + OWN_FC_NOTES + "\n    # §3.1/§42"
    missing = [f.problem for f in broken_citations("function/x.py", text)]
    assert missing == [
        "docs/alibaba-cloud.md has no heading containing §99.1",
        "docs/fc-notes.md has no heading containing §42",
    ]


def test_citation_scanner_reports_a_missing_notes_file() -> None:
    (finding,) = broken_citations("function/x.py", "docs" + "/nowhere.md §1")
    assert finding.problem == "docs" + "/nowhere.md does not exist"


def test_unconfirmed_check_reports_unlisted_unmarked_and_unnumbered_facts() -> None:
    notes = {
        NOTES["A"]: "x **[unconfirmed]** (A1) y **[unconfirmed]** z\n## Unconfirmed facts\n- **A2** (§1) gone\n",
        NOTES["F"]: "w **[unconfirmed]** (A3)\n",
    }
    problems = unconfirmed_mismatches(notes)
    assert len(problems) == 4
    assert "mark without ID" in problems[0]
    assert "A3 has the prefix of another file" in problems[1]
    assert "A1 is not listed" in problems[2]
    assert "A2 is listed but marked nowhere" in problems[3]
