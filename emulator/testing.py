"""Test support: the :class:`Emulator` and a module-scoped pytest fixture named ``emulator``.

In a conftest: ``from emulator.testing import emulator_fixture`` makes the fixture ``emulator`` available.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from emulator.harness import Emulator, trust_for_account, trust_for_service

if TYPE_CHECKING:
    from collections.abc import Iterator

LOOPBACK_HOSTS = "127.0.0.1,localhost"


def bypass_proxies() -> None:
    """darabonba honours HTTP_PROXY; loopback must never go through a proxy."""
    for name in ("no_proxy", "NO_PROXY"):
        current = os.environ.get(name, "")
        if "127.0.0.1" not in current:
            os.environ[name] = f"{current},{LOOPBACK_HOSTS}" if current else LOOPBACK_HOSTS


@pytest.fixture(name="emulator", scope="module")
def emulator_fixture() -> Iterator[Emulator]:
    """One running emulator per test module; use fresh accounts or ``emulator.reset()`` to isolate tests."""
    bypass_proxies()
    with Emulator() as running:
        yield running


__all__ = ["Emulator", "bypass_proxies", "emulator_fixture", "trust_for_account", "trust_for_service"]
