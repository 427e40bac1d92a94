"""A local HTTP server in front of ``index.http_handler``: each request becomes the FC3 HTTP trigger event
(docs/fc-notes.md §2.1) and the handler's reply dict becomes the response (§2.3), so curl, a browser or
schemathesis can talk to the function as they would to its trigger URL.

What FC does that this server does not: authentication (the trigger's ``authType: function`` signature check;
here ``requestContext.accountId`` is a fixed caller account), and the gateway's own limits beyond
:data:`MAX_BODY_BYTES`. A body that is UTF-8 text is passed as text, anything else base64 with
``isBase64Encoded: true`` (which bodies FC encodes is not documented). Binds loopback only: it has no
authentication, and the function behind it holds credentials.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from emr_bootstrap.api import statuses
from emr_bootstrap.core.result import Result
from emr_bootstrap.intake.events import MAX_EVENT_BYTES
from emr_bootstrap.intake.http_event import http_reply
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import ErrorInfo

if TYPE_CHECKING:
    from collections.abc import Callable

# Bodies above this are refused before the handler runs (413), as FC's gateway refuses oversized requests.
MAX_BODY_BYTES: Final = MAX_EVENT_BYTES


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fc3_event(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes, *, source_ip: str, caller_account_id: str
) -> dict[str, Any]:
    """The FC3 HTTP trigger event for one request (docs/fc-notes.md §2.1)."""
    parts = urlsplit(target)
    joined: dict[str, str] = {}
    for name, value in headers:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    host = next((v for k, v in joined.items() if k.lower() == "host"), "127.0.0.1")
    user_agent = next((v for k, v in joined.items() if k.lower() == "user-agent"), "")
    return {
        "version": "v1",
        "rawPath": parts.path or "/",
        "body": text,
        "isBase64Encoded": encoded,
        "headers": joined,
        "queryParameters": query,
        "requestContext": {
            "accountId": caller_account_id,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": unquote(parts.path or "/"),
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": user_agent,
            },
            "requestId": f"1-{int(now):x}-{uuid.uuid4().hex[:24]}",
            "time": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timeEpoch": str(int(now * 1000)),
        },
    }


def _number(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


class _RequestHandler(BaseHTTPRequestHandler):
    server: FunctionHTTPServer
    protocol_version = "HTTP/1.1"

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the function, which answers 405 (with Allow) for those a route does not serve.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        started = time.monotonic()
        try:
            body = self._read_body()
        except ValueError:  # a Content-Length or chunk size that is not a number
            body, self.close_connection = b"", True
        if body is None:
            reply = statuses.too_large(_number(self.headers.get("Content-Length")), f"local-{uuid.uuid4()}")
            self.close_connection = True
        else:
            event = fc3_event(
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                source_ip=self.client_address[0],
                caller_account_id=self.server.caller_account_id,
            )
            reply = self.server.call(json.dumps(event).encode())
        self._write(reply)
        if self.server.log is not None:
            self.server.log(
                f"{self.command} {self.path} {reply.get('statusCode')} {int((time.monotonic() - started) * 1000)}ms "
                f"{reply.get('headers', {}).get(statuses.REQUEST_ID_HEADER, '')}"
            )

    def _read_body(self) -> bytes | None:
        """The request body, or None when it is over :data:`MAX_BODY_BYTES` (left unread)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                total += size
                if total > MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return None if length > MAX_BODY_BYTES else self.rfile.read(length)

    def _write(self, reply: dict[str, Any]) -> None:
        raw = reply.get("body") or ""
        data = base64.b64decode(raw) if reply.get("isBase64Encoded") else str(raw).encode("utf-8")
        self.send_response(int(reply.get("statusCode") or 200))
        for name, value in (reply.get("headers") or {}).items():
            self.send_header(str(name), str(value))
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # the server logs its own line per request
        return


class FunctionHTTPServer(ThreadingHTTPServer):
    """Serves ``handler`` (FC3 HTTP event bytes -> reply dict) on ``host:port``; ``port`` 0 picks a free one."""

    daemon_threads = True

    def __init__(
        self,
        handler: Callable[[bytes], dict[str, Any]],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        caller_account_id: str = "",
        log: Callable[[str], None] | None = None,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"{host} is not a loopback address: the local server has no authentication")
        super().__init__((host, port), _RequestHandler)
        self.handler = handler
        self.caller_account_id = caller_account_id
        self.log = log
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def call(self, event: bytes) -> dict[str, Any]:
        """The handler's reply; a handler that raises is a 502, as FC answers a function error."""
        try:
            return self.handler(event)
        except Exception as exc:
            request_id = f"local-{uuid.uuid4()}"
            error = ErrorInfo(codes.INTERNAL_ERROR, f"the handler raised {type(exc).__name__}", None)
            reply = http_reply(502, Result("failed", False, request_id, error=error).to_dict())
            return statuses.with_request_id(reply, request_id)

    def start(self) -> FunctionHTTPServer:
        """Serve in a background thread (tests); :meth:`stop` ends it."""
        self._thread = threading.Thread(target=self.serve_forever, name="emr-bootstrap-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()
