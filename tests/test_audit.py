"""scripts/audit.py (`make audit`): it never reports "no known vulnerabilities" for packages it could not audit.

No network: the vulnerability API is played by a loopback HTTP server, pip-audit's report by fixtures.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

from scripts import audit
from scripts.package import Pin

if TYPE_CHECKING:
    from collections.abc import Iterator


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        bodies = {"/ok": b'{"info": {}, "vulnerabilities": []}', "/html": b"<html></html>", "/novulns": b'{"info": {}}'}
        body = bodies.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_probe_accepts_a_release_json_with_vulnerabilities(server: str) -> None:
    assert audit.probe(f"{server}/ok", timeout=5) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/missing", "HTTP 404"), ("/html", "did not answer JSON"), ("/novulns", "without a vulnerabilities field")],
)
def test_probe_says_why_the_vulnerability_data_is_unusable(server: str, path: str, expected: str) -> None:
    problem = audit.probe(f"{server}{path}", timeout=5)
    assert problem is not None and expected in problem


def test_probe_reports_an_unreachable_service() -> None:
    problem = audit.probe("http://127.0.0.1:9/", timeout=5)  # discard port: nothing listens
    assert problem is not None and "unreachable" in problem


def test_summarize_separates_vulnerabilities_from_packages_that_were_not_audited() -> None:
    report = json.loads(
        """{"dependencies": [
        {"name": "aiohttp", "version": "3.9.0", "vulns": [
            {"id": "PYSEC-1", "fix_versions": ["3.9.2"], "aliases": ["CVE-2024-1"], "description": "x"}]},
        {"name": "idna", "version": "3.20", "vulns": []},
        {"name": "yarl", "skip_reason": "Dependency not found on PyPI and could not be audited: yarl (1.25.1)"}
    ], "fixes": []}"""
    )
    found, skipped = audit.summarize(report)
    assert found == ["aiohttp 3.9.0: PYSEC-1 (CVE-2024-1); fixed in 3.9.2"]
    assert skipped == ["yarl: Dependency not found on PyPI and could not be audited: yarl (1.25.1)"]
    assert audit.summarize({"dependencies": [{"name": "idna", "version": "3.20", "vulns": []}]}) == ([], [])


def test_batches_audit_each_locked_version_once_and_one_version_per_name_per_run() -> None:
    pins = [Pin("a", "1", ("sha256:1",)), Pin("b", "1", ("sha256:2",)), Pin("a", "2", ("sha256:3",))]
    pins.append(Pin("a", "1", ("sha256:1",), "python_version < '3.11'"))
    groups = audit.batches(pins)
    assert [[(p.name, p.version) for p in g] for g in groups] == [[("a", "1"), ("b", "1")], [("a", "2")]]
