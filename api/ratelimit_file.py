"""A `limits` storage in a small SQLite file (`sqlite:////abs/path/ratelimits.sqlite`): the
embedded default, so every gunicorn worker and thread on one machine counts against the same
numbers. It is its own file, never the app's database: a hit is counted (and committed) even
when the request then fails and rolls back, and it never waits on the app's write lock.

Each hit is one atomic upsert: a window starts with the first hit and `expiry` seconds later
the count starts again (the fixed window of `limits`' other storages)."""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from limits.storage import Storage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
)
"""
_HIT = """
INSERT INTO hits (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN hits.expires_at <= :now THEN :amount ELSE hits.count + :amount END,
    expires_at = CASE WHEN hits.expires_at <= :now THEN :now + :expiry ELSE hits.expires_at END
RETURNING count
"""
PURGE_CHANCE = 0.01  # now and then, forget windows that ended (keys are emails and addresses)


def _wal(connection: sqlite3.Connection, *, seconds: float = 10.0) -> None:
    """Put the file in WAL mode. Several processes opening a new file at once can find it
    locked while one of them converts it, and SQLite answers that pragma without waiting on
    the busy timeout: so it is retried here for as long as the timeout would have waited."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SQLiteFileStorage(Storage):
    STORAGE_SCHEME = ["sqlite"]  # noqa: RUF012  (the name and type `limits` looks for)

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = urlparse(uri).path
        if not path or path == "/":
            raise ValueError(
                f"{uri!r} names no file: use sqlite:////absolute/path/ratelimits.sqlite"
            )
        self.path = Path(path[1:])  # as SQLAlchemy's: sqlite:///relative, sqlite:////absolute
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error, OSError)  # OSError: the folder cannot be made

    def _db(self) -> sqlite3.Connection:
        # One connection per process, opened on first use: after a fork (gunicorn's workers),
        # the child opens its own.
        if self._connection is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=10, isolation_level=None, check_same_thread=False
            )
            _wal(connection)
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            db = self._db()
            row = db.execute(
                _HIT, {"key": key, "amount": amount, "now": now, "expiry": expiry}
            ).fetchone()
            if random.random() < PURGE_CHANCE:
                db.execute("DELETE FROM hits WHERE expires_at <= ?", (now,))
        return int(row[0])

    def _row(self, key: str) -> tuple[int, float] | None:
        with self._lock:
            row = (
                self._db()
                .execute(
                    "SELECT count, expires_at FROM hits WHERE key = ? AND expires_at > ?",
                    (key, time.time()),
                )
                .fetchone()
            )
        return None if row is None else (int(row[0]), float(row[1]))

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else row[0]

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return time.time() if row is None else row[1]

    def check(self) -> bool:
        try:
            with self._lock:
                self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._lock:
            return self._db().execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        with self._lock:
            self._db().execute("DELETE FROM hits WHERE key = ?", (key,))
