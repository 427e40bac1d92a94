"""Shared fixtures for the emulator's own tests: one emulator per module, SDK clients built against it."""

from __future__ import annotations

from emulator.testing import bypass_proxies, emulator_fixture

# darabonba honours HTTP_PROXY; loopback calls must never reach a proxy.
bypass_proxies()

__all__ = ["emulator_fixture"]
