"""Health data at rest: practice notes and agenda items are stored encrypted (api/crypto.py).
A dump of the database shows none of their text, on SQLite (the file's bytes) and on
PostgreSQL (pg_dump); keys rotate in resumable batches; the migration encrypts what was stored
before, and its downgrade decrypts. Runs on SQLite and, with INTERLUDE_TEST_DATABASE_URL, on
PostgreSQL."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from api import crypto
from api.crypto import Keyring, current_keyring, install_keyring
from api.extensions import db

API = "/api/v1"
NOTE = "Felt the grief about dad loosen a little by the end"
VERSIONS = Path(__file__).resolve().parents[2] / "api/migrations/versions"


@pytest.fixture
def record(client, client_user, make_exercise):
    make_exercise("box-breathing")
    started = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)

    def put(note: str = NOTE) -> str:
        practice_id = str(uuid.uuid4())
        body = {
            "exercise": "box-breathing",
            "started_at": started.isoformat(),
            "duration_seconds": 300,
            "completed": True,
            "note": note,
        }
        answer = client.put(
            f"{API}/me/practices/{practice_id}", json=body, headers=client_user.headers
        )
        assert answer.status_code == 201, answer.get_json()
        return practice_id

    return put


def raw_notes(app) -> list[str]:
    """What the database really holds in practices.note, without the app's decryption."""
    with app.app_context(), db.engine.connect() as connection:
        found = connection.execute(text("SELECT note FROM practices WHERE note IS NOT NULL"))
        return [row[0] for row in found]


def database_dump(app) -> bytes:
    """Everything on disk (SQLite: the file and its write-ahead log) or in a pg_dump."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.remove()
        if url.startswith("sqlite"):
            path = Path(db.engine.url.database or "")
            return b"".join(
                candidate.read_bytes()
                for candidate in (path, Path(f"{path}-wal"))
                if candidate.exists()
            )
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed (apt-get install postgresql-client)")
    plain_url = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
    return subprocess.run(
        [pg_dump, "--data-only", plain_url], capture_output=True, check=True, timeout=60
    ).stdout


AGENDA = "Talk about the panic on the train last Tuesday"


def test_a_database_dump_shows_no_note_or_agenda_text(app, client, client_user, record):
    practice_id = record()
    item = client.post(
        f"{API}/me/agenda", json={"text": AGENDA, "shared": False}, headers=client_user.headers
    )
    assert item.status_code == 201, item.get_json()

    dump = database_dump(app)

    assert client_user.email.encode() in dump  # the dump really holds the rows
    assert NOTE.encode() not in dump
    assert b"grief" not in dump
    assert AGENDA.encode() not in dump
    assert b"panic" not in dump
    listed = client.get(f"{API}/me/agenda", headers=client_user.headers).get_json()
    assert [entry["text"] for entry in listed] == [AGENDA]
    answer = client.get(f"{API}/me/practices/{practice_id}", headers=client_user.headers)
    assert answer.get_json()["note"] == NOTE  # the client reads it as written


def test_the_same_note_twice_is_stored_as_different_ciphertext(app, record):
    record()
    record()

    first, second = raw_notes(app)

    assert first != second  # equal notes cannot be spotted as equal in a dump


def test_an_identical_replay_is_still_a_duplicate(client, client_user, record):
    practice_id = record()
    stored = client.get(f"{API}/me/practices/{practice_id}", headers=client_user.headers)
    body = {
        key: value
        for key, value in stored.get_json().items()
        if key in ("exercise", "started_at", "duration_seconds", "completed", "note")
    }

    replay = client.put(f"{API}/me/practices/{practice_id}", json=body, headers=client_user.headers)

    assert replay.status_code == 200


@pytest.fixture
def new_key_in_front(app) -> Iterator[Callable[[], str]]:
    """`new_key_in_front()` puts a new key before the app's own (as an operator rotating
    would) and returns it; the app's own keys come back after the test."""
    original = app.extensions[crypto.KEY]

    def switch() -> str:
        new_key = Fernet.generate_key().decode()
        install_keyring(app, Keyring([new_key, app.config["DATA_KEYS"][0]]))
        return new_key

    yield switch
    install_keyring(app, original)


def test_keys_rotate_re_encrypts_every_note_with_the_newest_key(
    app, runner, record, new_key_in_front
):
    record()
    record()
    record()
    new_key = new_key_in_front()

    result = runner.invoke(args=["keys", "rotate", "--batch-size", "2"])

    assert result.exit_code == 0, result.output
    assert "done: 3 value(s) re-encrypted" in result.output
    only_new = Keyring([new_key])
    assert [only_new.decrypt(token) for token in raw_notes(app)] == [NOTE] * 3


def test_an_interrupted_rotation_resumes_where_it_stopped(app, runner, record, new_key_in_front):
    for _ in range(5):
        record()
    new_key = new_key_in_front()
    with app.app_context():
        batches = crypto.rotate_keys(db.engine.begin, current_keyring(), batch_size=2)
        _, changed = next(batches)  # the first batch is committed, then the run stops
        batches.close()
    assert changed == 2

    result = runner.invoke(args=["keys", "rotate"])

    assert "done: 3 value(s) re-encrypted" in result.output
    assert all(Keyring([new_key]).is_current(token) for token in raw_notes(app))


def test_a_note_no_key_opens_is_refused_with_a_message(app, runner, record, new_key_in_front):
    record()
    new_key_in_front()
    install_keyring(app, Keyring([Fernet.generate_key().decode()]))  # the old key dropped

    result = runner.invoke(args=["keys", "rotate"])

    assert result.exit_code != 0
    assert "keep the old key" in result.output


def _revision_before_mine() -> str:
    source = next(VERSIONS.glob("*_encrypt_notes.py")).read_text()
    found = re.search(r"^down_revision = ['\"](\w+)['\"]", source, re.MULTILINE)
    assert found is not None
    return found.group(1)


def test_the_migration_encrypts_existing_notes_and_its_downgrade_decrypts(app, client, record):
    record()
    record("Second note")
    with app.app_context():
        db.session.remove()
        try:
            flask_migrate.downgrade(revision=_revision_before_mine())
            assert sorted(raw_notes(app)) == sorted([NOTE, "Second note"])
        finally:
            flask_migrate.upgrade()
            db.engine.dispose()  # connections that saw the old tables must not serve later tests

    stored = raw_notes(app)
    assert NOTE not in stored and "Second note" not in stored
    with app.app_context():
        assert sorted(current_keyring().decrypt(token) for token in stored) == sorted(
            [NOTE, "Second note"]
        )
