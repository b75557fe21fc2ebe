"""A client generated from the document by openapi-python-client, with its default settings,
drives a real server through a newcomer's first session: sign up, sign in, browse, open an
exercise, fetch its audio and record a practice. The generator refusing the document, or a
real answer the generated models cannot read, fails here."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.models import Role

SCRIPT = """\
slug: generated-calm
title: A calm minute
kind: mindfulness
summary: One quiet minute.
language: en
lengths: [1]
segments:
  - bell: {seconds: 2}
  - {say: Welcome. Settle in for a moment., id: welcome}
  - pause: {min: 1s, weight: 1}
"""


@pytest.fixture
def generated(app, tmp_path):
    """The package `interlude_client`, generated into a tmp folder and importable."""
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(app.test_client().get("/api/openapi.json").json))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(document)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path / "interlude-client"))
    try:
        yield importlib.import_module("interlude_client")
    finally:
        sys.path.remove(str(tmp_path / "interlude-client"))
        for name in [n for n in sys.modules if n.split(".")[0] == "interlude_client"]:
            del sys.modules[name]


@pytest.fixture
def published(app, make_user) -> str:
    editor = make_user(Role.EDITOR)
    client = app.test_client()
    ref = client.post("/api/v1/scripts", json={"source": SCRIPT}, headers=editor.headers).json
    base = f"/api/v1/exercises/{ref['slug']}/versions/{ref['version']}"
    assert client.post(f"{base}/render", headers=editor.headers).json["job"]["status"] == (
        "succeeded"
    )
    assert client.post(f"{base}/publish", headers=editor.headers).status_code == 200
    return ref["slug"]


def test_a_generated_client_signs_up_browses_listens_and_records(generated, published, live_server):
    from interlude_client import AuthenticatedClient, Client
    from interlude_client.api.auth import register_account, sign_in
    from interlude_client.api.exercises import get_audio, get_exercise, list_exercises
    from interlude_client.api.me import get_me
    from interlude_client.api.practices import record_practice
    from interlude_client.models import Message, PracticeBody, Register, TokenRequest

    anonymous = Client(base_url=live_server.url)
    email, password = "generated@example.org", "a long enough secret"
    signed_up = register_account.sync_detailed(
        client=anonymous, body=Register(email=email, password=password, timezone="Europe/Paris")
    )
    assert signed_up.status_code == 202
    assert isinstance(signed_up.parsed, Message)

    tokens = sign_in.sync(client=anonymous, body=TokenRequest(email=email, password=password))
    me_client = AuthenticatedClient(base_url=live_server.url, token=tokens.access_token)
    me = get_me.sync(client=me_client)
    assert (me.email, me.role.value, me.timezone) == (email, "client", "Europe/Paris")

    listed = list_exercises.sync(client=me_client)
    assert published in [summary.slug for summary in listed]
    detail = get_exercise.sync(published, client=me_client)
    assert detail.breath_pattern is None  # a nullable reference, read as None
    variant = detail.variants[0]
    rendition = variant.renditions[0]
    audio = get_audio.sync_detailed(published, variant.length_minutes, client=me_client)
    assert audio.status_code == 200
    data = audio.parsed.payload.read()  # typed as a File, not parsed as JSON
    assert len(data) == rendition.bytes_  # the generator renames `bytes`
    assert data[4:8] == b"ftyp"  # AAC in MP4
    assert audio.headers["Accept-Ranges"] == "bytes"

    practice_id = uuid.uuid4()
    body = PracticeBody(
        exercise=published,
        started_at=datetime.now(UTC) - timedelta(minutes=2),
        duration_seconds=60,
        completed=True,
        length_minutes=variant.length_minutes,
        mood_before=4,
        mood_after=6,
    )
    recorded = record_practice.sync_detailed(practice_id, client=me_client, body=body)
    assert recorded.status_code == 201
    assert recorded.parsed.id == practice_id
    assert recorded.parsed.mood_after == 6


def test_audio_comes_typed_as_audio_unless_octet_stream_is_asked_for(app, published):
    client = app.test_client()
    url = f"/api/v1/exercises/{published}/variants/1/audio"
    assert client.get(url).mimetype == "audio/mp4"
    asked = client.get(url, headers={"Accept": "application/octet-stream"})
    assert asked.mimetype == "application/octet-stream"
    assert asked.data == client.get(url).data
