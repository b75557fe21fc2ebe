"""What the editor's screens read: the script list, a version in full (source, say segments
and their recordings, the running render job), who published what, hearing and removing a
recording."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.models import Role
from tests.api.content.test_recordings import tone, upload

BASE = "/api/v1/exercises/tiny-pause/versions"


def test_the_script_list_has_drafts_and_published_exercises(
    client, editor, upload_script, publish_script, script_text
):
    publish_script(script_text(slug="calm-one", title="Calm one"))
    upload_script(script_text(slug="calm-one", title="Calm one, longer"))
    upload_script(script_text(slug="a-draft", title="A draft"))
    response = client.get("/api/v1/scripts", headers=editor.headers)
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json}
    assert [row["slug"] for row in response.json] == ["a-draft", "calm-one"]
    assert rows["calm-one"]["latest_version"] == 2
    assert rows["calm-one"]["status"] == "draft"
    assert rows["calm-one"]["published_version"] == 1
    assert rows["calm-one"]["title"] == "Calm one, longer"
    assert rows["a-draft"]["published_version"] is None


def test_a_version_in_full_has_its_source_and_say_segments(
    client, editor, upload_script, script_text
):
    source = script_text()
    upload_script(source)
    response = client.get(f"{BASE}/1", headers=editor.headers)
    assert response.status_code == 200
    body = response.json
    assert body["source"] == source
    assert [(s["id"], s["line"], s["recording"]) for s in body["segments"]] == [
        ("welcome", 9, None),
        ("goodbye", 11, None),
    ]
    assert body["segments"][0]["text"] == "Welcome. Settle in for a moment."
    assert body["author"]["email"] == editor.email
    assert body["published_by"] is None and body["render_job"] is None


def test_a_segment_shows_its_recording_which_can_be_heard_and_removed(
    client, editor, upload_script, script_text, tmp_path
):
    upload_script(script_text())
    data = tone(tmp_path)
    assert upload(client, editor, data, url=f"{BASE}/1/recordings/welcome").status_code == 201
    segments = client.get(f"{BASE}/1", headers=editor.headers).json["segments"]
    assert segments[0]["recording"]["filename"] == "take.wav"
    assert segments[1]["recording"] is None
    heard = client.get(f"{BASE}/1/recordings/welcome", headers=editor.headers)
    if heard.status_code == 302:  # S3: a presigned URL
        assert "X-Amz-Signature" in heard.headers["Location"]
    else:
        assert heard.status_code == 200 and heard.data == data
    assert "no-store" in heard.headers["Cache-Control"]
    removed = client.delete(f"{BASE}/1/recordings/welcome", headers=editor.headers)
    assert removed.status_code == 204
    segments = client.get(f"{BASE}/1", headers=editor.headers).json["segments"]
    assert segments[0]["recording"] is None
    gone = client.delete(f"{BASE}/1/recordings/welcome", headers=editor.headers)
    assert gone.status_code == 404
    assert client.get(f"{BASE}/1/recordings/welcome", headers=editor.headers).status_code == 404


def test_removing_a_recording_from_a_rendered_version_makes_it_a_draft_again(
    client, editor, upload_script, script_text, tmp_path
):
    upload_script(script_text())
    upload(client, editor, tone(tmp_path), url=f"{BASE}/1/recordings/welcome")
    client.post(f"{BASE}/1/render", headers=editor.headers)
    assert client.get(f"{BASE}/1", headers=editor.headers).json["status"] == "rendered"
    client.delete(f"{BASE}/1/recordings/welcome", headers=editor.headers)
    assert client.get(f"{BASE}/1", headers=editor.headers).json["status"] == "draft"


def test_a_published_versions_recordings_cannot_be_removed(
    client, editor, publish_script, script_text, tmp_path
):
    source = script_text()
    ref = client.post("/api/v1/scripts", json={"source": source}, headers=editor.headers).json
    upload(client, editor, tone(tmp_path), url=f"{BASE}/{ref['version']}/recordings/welcome")
    client.post(f"{BASE}/1/render", headers=editor.headers)
    client.post(f"{BASE}/1/publish", headers=editor.headers)
    response = client.delete(f"{BASE}/1/recordings/welcome", headers=editor.headers)
    assert response.status_code == 409
    assert "new draft" in response.json["message"]


def test_history_says_who_published_which_version_and_when(
    client, editor, make_user, publish_script, upload_script, script_text
):
    publish_script(script_text())
    other = make_user(Role.ADMIN, display_name="Sam Admin")
    upload_script(script_text(title="Second take"))
    client.post(f"{BASE}/2/render", headers=other.headers)
    assert client.post(f"{BASE}/2/publish", headers=other.headers).status_code == 200
    history = client.get(BASE, headers=editor.headers).json
    assert [(v["version"], v["status"]) for v in history] == [(2, "published"), (1, "rendered")]
    assert history[0]["published_by"]["display_name"] == "Sam Admin"
    assert history[0]["author"]["email"] == editor.email
    assert history[0]["published_at"] is not None
    assert history[1]["published_by"]["email"] == editor.email


@pytest.mark.parametrize("role", [Role.CLIENT, Role.THERAPIST])
def test_other_roles_may_not_read_or_change_drafts(
    client, make_user, upload_script, script_text, tmp_path, role, editor
):
    upload_script(script_text())
    upload(client, editor, tone(tmp_path), url=f"{BASE}/1/recordings/welcome")
    caller = make_user(role)
    for method, url in [
        ("get", "/api/v1/scripts"),
        ("get", f"{BASE}/1"),
        ("get", f"{BASE}/1/recordings/welcome"),
        ("delete", f"{BASE}/1/recordings/welcome"),
    ]:
        assert getattr(client, method)(url, headers=caller.headers).status_code == 403, url
        assert getattr(client, method)(url).status_code == 401, url


def test_an_unknown_version_is_404(client, editor, upload_script, script_text):
    upload_script(script_text())
    assert client.get(f"{BASE}/9", headers=editor.headers).status_code == 404
    assert (
        client.get("/api/v1/exercises/nope/versions/1", headers=editor.headers).status_code == 404
    )


def test_erasing_a_publishers_account_leaves_the_history_without_their_name(
    client, make_user, upload_script, script_text
):
    admin = make_user(Role.ADMIN)
    make_user(Role.ADMIN)  # the last enabled admin may not erase their account
    upload_script(script_text())
    client.post(f"{BASE}/1/render", headers=admin.headers)
    client.post(f"{BASE}/1/publish", headers=admin.headers)
    erased = client.delete("/api/v1/me", json={"password": admin.password}, headers=admin.headers)
    assert erased.status_code == 204
    editor = make_user(Role.EDITOR)
    history = client.get(BASE, headers=editor.headers).json
    assert history[0]["published_by"] is None and history[0]["published_at"] is not None


def test_a_version_being_rendered_names_its_job(app, client, editor, upload_script, script_text):
    from api.extensions import db
    from api.models import ExerciseVersion, Job, VersionStatus

    upload_script(script_text())
    with app.app_context():
        version = db.session.scalar(select(ExerciseVersion))
        version.status = VersionStatus.RENDERING
        job = Job(kind="render", payload={"version_id": version.id})
        db.session.add(job)
        db.session.commit()
        job_id = str(job.id)
    body = client.get(f"{BASE}/1", headers=editor.headers).json
    assert body["status"] == "rendering"
    assert body["render_job"]["id"] == job_id and body["render_job"]["status"] == "queued"
