"""When storage fails: readiness says so, reads that need no storage keep working, a render
fails cleanly without touching what is published, and a retry succeeds once storage is back."""

from __future__ import annotations

import socket
from contextlib import contextmanager

import pytest

from api.extensions import db
from api.models import Role
from api.registry import app_services
from api.services import content, rendering
from api.services.jobs import JobFailed, claim_job, fail_job
from api.storage import S3Storage
from tests.conftest import swapped_services


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def storage_unreachable(app):
    """Point the app at an S3 endpoint where nothing listens, for the `with` block."""
    unreachable = S3Storage(
        "interlude",
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        access_key="k",
        secret_key="s",
    )
    with swapped_services(app, storage=unreachable):
        yield


@pytest.fixture
def storage_down(app):
    with storage_unreachable(app):
        yield


def test_readyz_is_503_when_storage_is_unreachable(client, storage_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["errors"]["checks"]["storage"].startswith("unreachable")
    assert response.json["errors"]["checks"]["database"] == "ok"


def test_catalog_reads_that_need_no_storage_keep_working(
    client, app, publish_script, script_text, storage_kind
):
    publish_script(script_text())
    with storage_unreachable(app):
        assert client.get("/api/v1/exercises").status_code == 200
        detail = client.get("/api/v1/exercises/tiny-pause")
        assert detail.status_code == 200
        variant = detail.json["variants"][0]
        assert client.get(variant["timeline_url"]).status_code == 200
        assert client.get(variant["captions_url"]).status_code == 200


def test_a_render_with_storage_down_fails_readably_and_can_be_retried(
    client, app, editor, upload_script, script_text
):
    upload_script(script_text())
    render_url = "/api/v1/exercises/tiny-pause/versions/1/render"
    with storage_unreachable(app):
        failed = client.post(render_url, headers=editor.headers)
    assert failed.status_code == 202
    job = failed.json["job"]
    assert job["status"] == "failed"
    assert job["error"].startswith("storage unreachable")
    assert "Traceback" not in job["error"]
    polled = client.get(f"/api/v1/jobs/{job['id']}", headers=editor.headers)
    assert polled.json["status"] == "failed"
    versions = client.get("/api/v1/exercises/tiny-pause/versions", headers=editor.headers).json
    assert versions[0]["status"] == "failed"
    assert versions[0]["error"] == job["error"]

    retry = client.post(render_url, headers=editor.headers)
    assert retry.json["job"]["status"] == "succeeded"
    publish = client.post("/api/v1/exercises/tiny-pause/versions/1/publish", headers=editor.headers)
    assert publish.status_code == 200


def test_seaweedfs_stopped_during_a_render(
    client, app, editor, publish_script, upload_script, script_text, seaweedfs, s3_only
):
    publish_script(script_text())  # version 1, served to clients
    upload_script(script_text(title="A tiny pause, take two"))
    storage = app_services(app).storage
    settings = rendering.RenderSettings.from_config(app.config)

    def stop_midway(fraction: float) -> None:
        if fraction >= 0.5 and seaweedfs.running:
            seaweedfs.stop()

    with app.app_context():
        version = content.find_version(db.session, "tiny-pause", 2)
        job_id = rendering.start_render(db.session, version, requested_by=None).id
        db.session.commit()
        job = claim_job(db.session, job_id)
        db.session.commit()
        with pytest.raises(JobFailed) as failure:
            rendering.run_render_job(
                db.session, storage, job, settings=settings, progress=stop_midway
            )
        fail_job(db.session, job_id, failure.value.message)
        db.session.commit()
    assert not seaweedfs.running
    assert "storage unreachable" in failure.value.message

    job_view = client.get(f"/api/v1/jobs/{job_id}", headers=editor.headers).json
    assert (job_view["status"], job_view["error"]) == ("failed", failure.value.message)
    detail = client.get("/api/v1/exercises/tiny-pause").json
    assert (detail["version"], detail["title"]) == (1, "A tiny pause")  # nothing dangling
    draft = client.get("/api/v1/exercises/tiny-pause?version=2", headers=editor.headers).json
    assert (draft["status"], draft["variants"]) == ("failed", [])

    seaweedfs.start()
    retry = client.post("/api/v1/exercises/tiny-pause/versions/2/render", headers=editor.headers)
    assert retry.json["job"]["status"] == "succeeded", retry.json
    publish = client.post("/api/v1/exercises/tiny-pause/versions/2/publish", headers=editor.headers)
    assert publish.status_code == 200
    assert client.get("/api/v1/exercises/tiny-pause").json["title"] == "A tiny pause, take two"
    audio = client.get("/api/v1/exercises/tiny-pause/variants/1/audio")
    assert audio.status_code == 302


def test_jobs_are_for_editors(client, editor, make_user, upload_script, script_text):
    upload_script(script_text())
    job = client.post("/api/v1/exercises/tiny-pause/versions/1/render", headers=editor.headers)
    url = f"/api/v1/jobs/{job.json['job']['id']}"
    body = client.get(url, headers=editor.headers).json
    assert body["status"] == "succeeded"
    assert body["progress"] == 1.0
    assert body["error"] is None
    assert client.get(url, headers=make_user(Role.CLIENT).headers).status_code == 403
    assert client.get(url).status_code == 401
    unknown = "/api/v1/jobs/00000000-0000-4000-8000-000000000000"
    assert client.get(unknown, headers=editor.headers).status_code == 404
    assert client.get("/api/v1/jobs/not-a-uuid", headers=editor.headers).status_code == 404


def test_rendering_twice_at_once_is_409(client, app, editor, upload_script, script_text):
    upload_script(script_text())
    with app.app_context():
        version = content.find_version(db.session, "tiny-pause", 1)
        rendering.start_render(db.session, version, requested_by=None)
        db.session.commit()
    response = client.post("/api/v1/exercises/tiny-pause/versions/1/render", headers=editor.headers)
    assert response.status_code == 409
    assert "already being rendered" in response.json["message"]
