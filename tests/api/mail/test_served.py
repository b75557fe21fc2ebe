"""As deployed (gunicorn, the thread-pool job runner): a mail server that accepts the connection
and then says nothing does not hold up the answer — the request has answered while the mail
job still waits on the server."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request

from tests.smtp import free_port


def test_a_silent_mail_server_does_not_hold_up_the_answer(make_live_server, client_user):
    port = free_port()
    listener = socket.create_server(("127.0.0.1", port))
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        connection, _ = listener.accept()
        held.append(connection)  # says nothing: no greeting, ever (until the test ends)
        connected.set()

    threading.Thread(target=accept, daemon=True).start()
    server = make_live_server(
        workers=1,
        env={
            "INTERLUDE_JOB_QUEUE": "thread",
            "INTERLUDE_MAIL_URL": f"smtp://127.0.0.1:{port}",
            "INTERLUDE_MAIL_TIMEOUT_SECONDS": "60",
        },
    )
    try:
        request = urllib.request.Request(
            f"{server.url}/api/v1/auth/password-reset",
            data=json.dumps({"email": client_user.email}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
        assert status == 202
        # The mail job reached the server and waits for a greeting for up to 60 s; sent in the
        # request, the answer would have waited as long, past urlopen's 30 s.
        assert connected.wait(30), server.log_tail()
        assert held and held[0].fileno() != -1
    finally:
        for connection in held:
            connection.close()
        listener.close()
