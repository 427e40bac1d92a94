"""A local RAM, STS, Resource Manager and FC InvokeFunction at the wire level, for tests, the demo and benchmarks
(never deployed).

``from emulator import Emulator`` (imported lazily so ``emulator.core.errors`` stays cheap to import).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "Emulator":
        from emulator.harness import Emulator

        return Emulator
    raise AttributeError(name)
