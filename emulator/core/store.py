"""Optional SQLite persistence (``--state FILE``): one JSON row per account, folder, access key and
STS token.

Writes go through after every successful change, so a restart sees exactly what the last response reported.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

KIND_ACCOUNT = "account"
KIND_ACCESS_KEY = "access_key"
KIND_TOKEN = "token"
KIND_FOLDER = "folder"
KIND_META = "meta"


class Store:
    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS rows (kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,"
            " PRIMARY KEY (kind, key))"
        )

    def save(self, kind: str, key: str, body: dict[str, Any]) -> None:
        text = json.dumps(body, sort_keys=True)
        with self._lock:
            self._conn.execute(
                "INSERT INTO rows (kind, key, body) VALUES (?, ?, ?)"
                " ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body",
                (kind, key, text),
            )

    def delete_all(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM rows")

    def load(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute("SELECT body FROM rows WHERE kind = ? ORDER BY key", (kind,)).fetchall()
        return [json.loads(body) for (body,) in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
