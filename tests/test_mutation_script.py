"""scripts/mutation.py (`make mutation`): the summary counts what mutmut recorded, and excludes a listed equivalent
only while it still survives and still makes the listed change."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from scripts import mutation

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

ROWS = """
| mutant | mutated code | why |
| --- | --- | --- |
| `emr_bootstrap.m.x_f__mutmut_1` | `a = b \\| c` | pipes are escaped |
| `emr_bootstrap.m.x_f__mutmut_2` | `x = ``y``` | backticks are doubled |
| `emr_bootstrap.m.xǁCǁg__mutmut_3` | `return 1` | methods too |
not a row | `emr_bootstrap.m.x_f__mutmut_9` | `z` | ignored |
"""


def test_the_equivalents_table_is_read_with_its_escapes(tmp_path: Path) -> None:
    path = tmp_path / "equivalents.md"
    path.write_text(ROWS, encoding="utf-8")
    found = mutation.read_equivalents(path)
    assert sorted(found) == [
        "emr_bootstrap.m.x_f__mutmut_1",
        "emr_bootstrap.m.x_f__mutmut_2",
        "emr_bootstrap.m.xǁCǁg__mutmut_3",
    ]
    assert found["emr_bootstrap.m.x_f__mutmut_1"].change == "a = b | c"
    assert found["emr_bootstrap.m.x_f__mutmut_2"].change == "x = `y`"
    assert found["emr_bootstrap.m.x_f__mutmut_1"].why == "pipes are escaped"


def test_the_summary_counts_verdicts_and_excludes_only_current_equivalents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meta = tmp_path / "mutants" / "emr_bootstrap" / "m.py.meta"
    meta.parent.mkdir(parents=True)
    codes = [1, 3, 36, 0, 0, 0, 33, None, 1, -24]
    verdicts = {f"emr_bootstrap.m.x_f__mutmut_{n}": code for n, code in enumerate(codes, 1)}
    meta.write_text(json.dumps({"exit_code_by_key": verdicts}), encoding="utf-8")
    monkeypatch.setattr(mutation, "STAGE", tmp_path)
    changes = {"emr_bootstrap.m.x_f__mutmut_4": "same", "emr_bootstrap.m.x_f__mutmut_5": "moved"}
    monkeypatch.setattr(mutation, "mutant_change", lambda name, _path: changes.get(name))
    listed = {
        name: mutation.Equivalent(name, "same", "why")
        for name in (
            "emr_bootstrap.m.x_f__mutmut_4",  # still equivalent
            "emr_bootstrap.m.x_f__mutmut_5",  # the mutant changed: stale
            "emr_bootstrap.m.x_f__mutmut_9",  # killed now: stale
            "emr_bootstrap.m.x_f__mutmut_99",  # gone: stale
            "emr_bootstrap.m.x_f__mutmut_10",  # timed out on a loaded machine: still equivalent, noted
        )
    }
    notes: list[str] = []
    per_module, stale = mutation.summarise({"only_mutate": ["emr_bootstrap/m.py"]}, listed, notes)
    counts = per_module["m.py"]
    assert counts.as_json() == {
        "mutants": 10,
        "killed": 3,
        "timeout": 1,
        "survived": 2,
        "equivalent": 2,
        "noTests": 1,
        "notChecked": 1,
        "other": 0,
        "score": 50.0,
    }
    assert [line.split(":")[0] for line in notes] == ["emr_bootstrap.m.x_f__mutmut_10"]
    assert counts.survivors == [
        "emr_bootstrap.m.x_f__mutmut_5",
        "emr_bootstrap.m.x_f__mutmut_6",
        "emr_bootstrap.m.x_f__mutmut_7",
    ]
    assert [line.split(":")[0] for line in stale] == [
        "emr_bootstrap.m.x_f__mutmut_5",
        "emr_bootstrap.m.x_f__mutmut_9",
        "emr_bootstrap.m.x_f__mutmut_99",
    ]


def test_the_score_excludes_equivalents_and_is_none_without_mutants() -> None:
    assert mutation.Counts(mutants=10, killed=8, equivalent=2).score == 100.0
    assert mutation.Counts().score is None
