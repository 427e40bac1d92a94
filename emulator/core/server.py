"""The HTTP wire: one loopback port for RAM, STS, Resource Manager and FC's InvokeFunction.

HTTP/1.1 keep-alive, TCP_NODELAY, and every response in one ``write`` so neither Nagle nor delayed ACKs add
the 40 ms stall a plain ``http.server`` shows when it writes headers and body separately.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from emulator.core.faults import DroppedConnection
from emulator.core.request import WireRequest

if TYPE_CHECKING:
    from emulator.core.app import App
    from emulator.core.reply import Reply

LOOPBACK = "127.0.0.1"
IDLE_TIMEOUT_S = 120.0  # idle keep-alive connections are closed after this


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "emr-bootstrap-emulator"
    timeout = IDLE_TIMEOUT_S
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        request = WireRequest(
            method=self.command,
            path=split.path or "/",
            query=parse_qsl(split.query, keep_blank_values=True),
            headers=headers,
            body=body,
        )
        try:
            reply = self.server.app.handle(request)
        except DroppedConnection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        payload = reply.encode()
        lines = [
            f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(payload)}",
            "Connection: close" if self.close_connection else "Connection: keep-alive",
            *(f"{k}: {v}" for k, v in reply.headers.items()),
        ]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)

    def log_message(self, format: str, *args: object) -> None:  # quiet: the call log records every call
        return


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: App, host: str = LOOPBACK, port: int = 0) -> None:
        if host not in (LOOPBACK, "localhost", "::1"):
            raise ValueError("the emulator serves loopback only")
        self.app = app
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        return thread
