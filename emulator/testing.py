"""Test support: the :class:`Emulator` and a module-scoped pytest fixture named ``emulator``.

In a conftest: ``from emulator.testing import emulator_fixture`` makes the fixture ``emulator`` available.
pytest is imported only when ``emulator_fixture`` is first asked for, so the demo, the benchmark and the CLI can
import this module without pytest installed (it is a dev dependency).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

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


def signed_v3_headers(
    host: str,
    action: str,
    version: str,
    key: tuple[str, str],
    query: dict[str, str],
    *,
    token: str | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers of a POST / signed with ACS3-HMAC-SHA256 the way tea-openapi signs (docs/alibaba-cloud.md §5.1).

    Written apart from :mod:`emulator.core.signing` so raw-HTTP tests and the benchmark check the verifier against an
    independent signer.
    """
    empty_hash = hashlib.sha256(b"").hexdigest()
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or os.urandom(16).hex(),
        "x-acs-content-sha256": empty_hash,
    }
    if token is not None:
        headers["x-acs-accesskey-id"] = key[0]
        headers["x-acs-security-token"] = token
    canonical_query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in sorted(query.items()))
    names = sorted(headers)
    canonical = "\n".join(
        ["POST", "/", canonical_query, "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names), empty_hash]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(key[1].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    credential = f"Credential={key[0]},SignedHeaders={';'.join(names)},Signature={signature}"
    headers["Authorization"] = f"ACS3-HMAC-SHA256 {credential}"
    return headers


def _running_emulator() -> Iterator[Emulator]:
    """One running emulator per test module; use fresh accounts or ``emulator.reset()`` to isolate tests."""
    bypass_proxies()
    with Emulator() as running:
        yield running


def __getattr__(name: str) -> Any:
    # PEP 562: build the pytest fixture on first access only, so importing this module never loads pytest.
    if name == "emulator_fixture":
        import pytest

        fixture = pytest.fixture(name="emulator", scope="module")(_running_emulator)
        globals()[name] = fixture
        return fixture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# emulator_fixture is public too, but built on first access (see __getattr__), so it cannot be listed here.
__all__ = [
    "Emulator",
    "bypass_proxies",
    "signed_v3_headers",
    "trust_for_account",
    "trust_for_service",
]
