"""gunicorn's threaded worker, with a deadline on every read from and write to a client.

gunicorn 27's gthread worker waits for a new connection's first bytes without holding a
thread, but once a request has begun it reads and writes in blocking mode with no time
limit: a client that sends its headers a byte at a time, stops half-way through a body, or
stops reading a large response holds a thread for as long as it likes, and a handful of
them hold the whole server. Here each client socket blocks for at most
INTERLUDE_CLIENT_TIMEOUT seconds (default 30) per read or write; past it the connection is
closed and the thread goes back to work. A buffering proxy in front (infra/nginx.conf.example)
is still the first defence: it reads whole requests before passing them on.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

CLIENT_TIMEOUT_SECONDS = float(os.environ.get("INTERLUDE_CLIENT_TIMEOUT", "30"))


class _DeadlineSocket(socket.socket):
    """A client socket whose blocking mode has a deadline (gunicorn switches sockets
    between blocking and non-blocking itself, so the switch is where the deadline goes)."""

    __slots__ = ()

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(CLIENT_TIMEOUT_SECONDS)
        else:
            super().setblocking(False)


class DeadlineThreadWorker(ThreadWorker):
    def enqueue_req(self, conn: Any) -> None:
        if type(conn.sock) is socket.socket:
            conn.sock.__class__ = _DeadlineSocket
        super().enqueue_req(conn)
