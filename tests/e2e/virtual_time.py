"""Virtual time for end-to-end tests of RAM's eventual consistency: the function's polling moves time forward
instead of waiting for it.

The function polls with ``ReconcileSettings.sleep`` (``time.sleep`` unless injected) and the emulator hides a new
role until its clock (``emulator.core.clock.now``) passes the write's consistency delay. Neither is reachable
through the environment, so the fixture injects one shared offset into both: each of the function's sleeps adds
to the offset instead of sleeping, and both clocks read real time plus the offset. The emulator's and the
function's code are unchanged; only these two names are patched, for the length of one test.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import TYPE_CHECKING

import emr_bootstrap.adapters.settings
import pytest
from emr_bootstrap.shared.timing import ReconcileSettings

import emulator.core.clock

if TYPE_CHECKING:
    from collections.abc import Iterator


class VirtualTime:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self.sleeps: list[float] = []

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def wall(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds
            self.sleeps.append(seconds)


@pytest.fixture
def virtual_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[VirtualTime]:
    """The function's polling and the emulator's consistency delays on one virtual clock."""
    virtual = VirtualTime()
    monkeypatch.setattr(emulator.core.clock, "now", virtual.wall)
    settings_with_virtual_time = functools.partial(ReconcileSettings, clock=virtual.monotonic, sleep=virtual.sleep)
    monkeypatch.setattr(emr_bootstrap.adapters.settings, "ReconcileSettings", settings_with_virtual_time)
    yield virtual
