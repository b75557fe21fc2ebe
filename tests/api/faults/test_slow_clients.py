"""Clients that hold a connection without finishing with it: a slow-loris that sends its
headers and then stalls, an upload whose body stops half-way, and a player that stops reading
a large audio file. Each comes in more copies than the server has threads; the server must
still answer an ordinary request promptly (each stalled read or write is given up after
INTERLUDE_CLIENT_TIMEOUT, here 2 s: api/gunicorn_worker.py) and store nothing half-sent.

A buffering proxy in front (infra/nginx.conf.example) is the first defence in production; a
client that drips a byte just inside every deadline is the proxy's to stop, not tested here."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
import requests
from sqlalchemy import func, select

from api.extensions import db
from api.models import ExerciseVersion, Practice, Rendition, Variant
from api.registry import app_services

THREADS = 2
STALLED = 4  # more than the server's threads
CLIENT_TIMEOUT = 2.0
# An ordinary request is answered within this, though the stalled clients hold on for as
# long as the test runs (a loaded CI machine is slow; a held server would never answer).
PROMPT = 25.0


@pytest.fixture
def server(make_live_server):
    return make_live_server(
        workers=1, threads=THREADS, env={"INTERLUDE_CLIENT_TIMEOUT": str(CLIENT_TIMEOUT)}
    )


@contextmanager
def stalled(server, first_bytes: bytes, *, receive_buffer: int | None = None) -> Iterator[None]:
    """STALLED connections that send `first_bytes` and then neither send nor read."""
    with ExitStack() as stack:
        for _ in range(STALLED):
            sock = stack.enter_context(socket.socket())
            if receive_buffer:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(first_bytes)
        time.sleep(0.3)  # the server has taken them all up
        yield


def answered_promptly(server) -> float:
    started = time.monotonic()
    for _ in range(THREADS + 1):  # more requests than threads: none is still held
        answer = requests.get(f"{server.url}/healthz", timeout=PROMPT)
        assert answer.status_code == 200
    elapsed = time.monotonic() - started
    assert elapsed < PROMPT, f"{elapsed:.1f} s:\n{server.log_tail()}"
    return elapsed


def test_slow_loris_clients_do_not_hold_the_workers(server):
    partial_headers = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "

    with stalled(server, partial_headers):
        answered_promptly(server)


def test_uploads_cut_off_mid_body_store_nothing_and_do_not_hold_the_workers(
    app, server, client_user, make_exercise
):
    make_exercise("box-breathing")
    body = b'{"exercise": "box-breathing", "started_at": "2026-12-01T10:00:00Z", "note": "'
    head = (
        f"PUT /api/v1/me/practices/{uuid.uuid4()} HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Bearer {client_user.token}\r\nContent-Type: application/json\r\n"
        "Content-Length: 50000\r\n\r\n"
    ).encode()

    with stalled(server, head + body):
        answered_promptly(server)

    with socket.create_connection(("127.0.0.1", server.port)) as cut:
        cut.sendall(head + body)  # and then the connection drops
    answered_promptly(server)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Practice)) == 0
        db.session.remove()
    assert "Traceback" not in server.log_path.read_text(errors="replace")


@pytest.fixture
def large_audio(app, make_exercise) -> str:
    """A published exercise whose AAC rendition is a 24 MB file in local storage."""
    exercise_id = make_exercise("long-sound", lengths=[1])
    stored = app_services(app).storage.put_bytes(
        bytes(24 * 1024 * 1024), suffix=".m4a", content_type="audio/mp4"
    )
    with app.app_context():
        version = db.session.scalar(
            select(ExerciseVersion).where(ExerciseVersion.exercise_id == exercise_id)
        )
        assert version is not None
        variant = Variant(
            version=version,
            length_minutes=1,
            duration_ms=60_000,
            timeline={"duration_ms": 60_000, "events": []},
            captions="WEBVTT\n",
            content_sha256="c" * 64,
        )
        db.session.add(variant)
        db.session.add(
            Rendition(
                variant=variant,
                format="aac",
                bitrate=64_000,
                nominal_bitrate=64_000,
                bytes=stored.bytes,
                sha256=stored.sha256,
                key=stored.key,
                mime="audio/mp4",
            )
        )
        db.session.commit()
    return "/api/v1/exercises/long-sound/variants/1/audio?format=aac"


def test_players_that_stop_reading_a_large_file_do_not_hold_the_workers(server, large_audio):
    request = f"GET {large_audio} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    whole = requests.get(server.url + large_audio, timeout=30)
    assert whole.status_code == 200 and len(whole.content) == 24 * 1024 * 1024

    with stalled(server, request, receive_buffer=4096):
        answered_promptly(server)
