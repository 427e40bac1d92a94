"""JSON decoding for hostile input: every document a caller controls is decoded here, never with a bare
``json.loads``.

The standard decoder accepts things that later crash or mislead the function: nesting deep enough to raise
``RecursionError``, integers long enough to raise ``ValueError`` (Python's digit limit), ``NaN``/``Infinity``,
duplicate keys (the last one silently wins: ``"dryRun": false, "dryRun": true`` would be a dry run), and lone UTF-16
surrogates (``"\\ud800"``) that no UTF-8 reply can carry. Each is refused with a rule name. Stdlib only.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

MAX_DEPTH: Final = 32
MAX_NUMBER_CHARS: Final = 32
MAX_SHOWN: Final = 40


class JsonRejected(ValueError):
    """The text is not JSON this function accepts. ``rule`` names what was broken."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def shown(text: str) -> str:
    """A caller's text as it may be echoed: JSON-quoted, ASCII only, and short."""
    quoted = json.dumps(text[: MAX_SHOWN + 1])
    return quoted if len(text) <= MAX_SHOWN else quoted[:-1] + '..."'


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonRejected("duplicate-key", f"duplicate key {shown(key)}; each key may appear once")
        out[key] = value
    return out


def _number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonRejected("number-size", f"a number of {len(text)} characters; at most {MAX_NUMBER_CHARS}")
    if not any(c in text for c in ".eE"):
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise JsonRejected("number-finite", f"{shown(text)} is too large for a JSON number")
    return value


def _constant(name: str) -> Any:
    raise JsonRejected("number-finite", f"{name} is not a JSON number")


def loads(text: str) -> Any:
    """Decode ``text``; raises :class:`JsonRejected` (or ``json.JSONDecodeError`` for text that is not JSON)."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=_number,
            parse_float=_number,
            parse_constant=_constant,
        )
    except RecursionError as exc:
        raise JsonRejected("max-depth", f"nested more than {MAX_DEPTH} levels deep") from exc
    _check(value)
    return value


def _check(root: Any) -> None:
    """Depth and UTF-8 encodability of every string, walked without recursion."""
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _encodable(node)
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise JsonRejected("max-depth", f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, dict):
            for key, value in node.items():
                _encodable(key)
                stack.append((value, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node)


def _encodable(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JsonRejected("utf-8", "a string holds a lone UTF-16 surrogate, which UTF-8 cannot carry") from exc
