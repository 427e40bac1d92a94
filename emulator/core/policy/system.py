"""The system policies the emulated RAM knows, read once from ``system_policies.json`` beside this module."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from emulator.core.policy.documents import parse_policy_document

_SYSTEM_POLICIES_PATH = Path(__file__).with_name("system_policies.json")


@dataclass(frozen=True)
class SystemPolicy:
    name: str
    description: str
    document: dict[str, Any]
    default_version: str  # "v1" etc.


@cache
def _system_policies() -> dict[str, SystemPolicy]:
    raw = json.loads(_SYSTEM_POLICIES_PATH.read_text(encoding="utf-8"))
    policies: dict[str, SystemPolicy] = {}
    for name, entry in raw["Policies"].items():
        # Validate with our own grammar so a bad entry fails at first use, not at evaluation time.
        document = parse_policy_document(json.dumps(entry["PolicyDocument"]), param="PolicyDocument", kind="permission")
        policies[name] = SystemPolicy(
            name=name,
            description=entry["Description"],
            document=document,
            default_version=entry["DefaultVersion"],
        )
    return policies


def load_system_policies() -> dict[str, SystemPolicy]:
    """The system policies the emulated RAM knows, keyed by exact name (file read once, then cached).

    Returns a deep copy so callers cannot alter the cached documents.
    """
    return copy.deepcopy(_system_policies())
