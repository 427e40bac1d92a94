"""The README's Layout section and docs/architecture.md describe the tree as it is: every module of every layer
folder of function/emr_bootstrap/ is named under its own layer in both, and neither names a module that is not there
(a newcomer who looks a module up by those pages finds it where they say)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "function" / "emr_bootstrap"
LAYERS = sorted(path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file())
# A module as the pages name it: `name` (a .py file) or `name.json` (a data file shipped beside the code).
NAMED = re.compile(r"`([a-z_]+(?:\.json)?)`")


def modules(layer: str) -> set[str]:
    """The modules and data files of one layer folder, as the pages name them."""
    found = set()
    for path in (PACKAGE / layer).iterdir():
        if path.suffix == ".py" and path.stem != "__init__":
            found.add(path.stem)
        elif path.suffix == ".json":
            found.add(path.name)
    return found


def readme_row(layer: str) -> str:
    """The README Layout table's row for ``function/emr_bootstrap/<layer>/``, less its first cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    for line in layout.splitlines():
        if line.startswith(f"| `function/emr_bootstrap/{layer}/` |"):
            return line.split("|", 2)[2]
    raise AssertionError(f"README Layout has no row for function/emr_bootstrap/{layer}/")


def diagram_node(layer: str) -> str:
    """The text of the Mermaid node for ``<layer>/`` in docs/architecture.md (a node may span lines)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    diagram = text.split("```mermaid", 1)[1].split("```", 1)[0]
    match = re.search(rf'\[\s*"{layer}/:(?P<body>[^"]*)"\s*\]', diagram)
    assert match, f"docs/architecture.md's diagram has no node for {layer}/"
    return match.group("body")


def test_the_pages_know_every_layer_folder() -> None:
    assert set(LAYERS) == {"adapters", "api", "application", "core", "intake", "shared", "sweeps"}
    table = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer in LAYERS:
        assert f"| `{layer}` |" in table, f"docs/architecture.md's table of layers lacks {layer}"


@pytest.mark.parametrize("layer", LAYERS)
def test_the_readme_layout_names_exactly_the_modules_of_each_layer(layer: str) -> None:
    named = set(NAMED.findall(readme_row(layer)))
    assert named == modules(layer), (
        f"README Layout, function/emr_bootstrap/{layer}/: missing {sorted(modules(layer) - named)}, "
        f"not in the folder {sorted(named - modules(layer))}"
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_the_architecture_diagram_names_exactly_the_modules_of_each_layer(layer: str) -> None:
    named = set(re.findall(r"[a-z_]+(?:\.json)?", re.sub(r"\([^)]*\)", " ", diagram_node(layer))))
    assert named == modules(layer), (
        f"docs/architecture.md's diagram, {layer}/: missing {sorted(modules(layer) - named)}, "
        f"not in the folder {sorted(named - modules(layer))}"
    )
