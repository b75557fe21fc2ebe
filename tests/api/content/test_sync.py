"""`flask content sync`: the library in, rendered only when something changed, published."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import Job, JobStatus
from api.services import rendering
from api.services.jobs import claim_job
from api.services.library import target_version
from api.services.rendering import RenderSettings


@pytest.fixture
def library(tmp_path, script_text):
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "tiny-pause.yaml").write_text(script_text())
    return folder


def sync(runner, folder):
    return runner.invoke(args=["content", "sync", "--folder", str(folder)])


def test_sync_renders_and_publishes_then_does_nothing(runner, client, library):
    first = sync(runner, library)
    assert first.exit_code == 0, first.output
    assert "rendered  tiny-pause v1" in first.output
    assert client.get("/api/v1/exercises/tiny-pause").json["status"] == "published"
    second = sync(runner, library)
    assert second.exit_code == 0
    assert "unchanged  tiny-pause v1" in second.output


def test_a_changed_script_becomes_a_new_published_version(runner, client, library, script_text):
    sync(runner, library)
    (library / "tiny-pause.yaml").write_text(script_text(title="Tiny, revised"))
    result = sync(runner, library)
    assert "rendered  tiny-pause v2" in result.output
    assert client.get("/api/v1/exercises/tiny-pause").json["title"] == "Tiny, revised"


def test_changed_render_settings_render_a_new_version(runner, app, client, library):
    sync(runner, library)
    app.config["RENDER_FORMATS"] = "aac,mp3"
    try:
        result = sync(runner, library)
    finally:
        app.config["RENDER_FORMATS"] = "aac"
    assert "rendered  tiny-pause v2" in result.output
    variant = client.get("/api/v1/exercises/tiny-pause").json["variants"][0]
    assert sorted(r["format"] for r in variant["renditions"]) == ["aac", "mp3"]


def test_an_invalid_script_is_reported_and_the_others_still_sync(runner, client, library):
    (library / "broken.yaml").write_text("slug: broken\ntitle: [oops\n")
    result = sync(runner, library)
    assert result.exit_code == 1
    assert "failed  broken.yaml" in result.output
    assert "rendered  tiny-pause v1" in result.output
    assert "1 script(s) could not be synced" in result.output
    assert client.get("/api/v1/exercises/tiny-pause").status_code == 200


def test_an_empty_folder_is_an_error(runner, tmp_path):
    result = sync(runner, tmp_path)
    assert result.exit_code != 0
    assert "no *.yaml scripts" in result.output


def left_rendering(app, library, pid: int) -> None:
    """What a sync that was rendering tiny-pause leaves behind when its process `pid` ends
    mid-render: the version rendering, its job running."""
    source = (library / "tiny-pause.yaml").read_text()
    with app.app_context():
        settings = RenderSettings.from_config(app.config)
        version = target_version(db.session, source, settings)
        owner = {"host": socket.gethostname(), "pid": pid}
        job = rendering.start_render(db.session, version, requested_by=None, owner=owner)
        assert claim_job(db.session, job.id) is not None
        db.session.commit()
        db.session.remove()


def test_a_render_left_by_a_stopped_sync_is_rendered_again_at_once(runner, app, client, library):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    left_rendering(app, library, int(ended.stdout))
    result = sync(runner, library)
    assert result.exit_code == 0, result.output
    assert "rendered  tiny-pause v1" in result.output
    assert client.get("/api/v1/exercises/tiny-pause").json["status"] == "published"
    with app.app_context():
        first = db.session.scalars(select(Job).order_by(Job.created_at)).first()
        assert first is not None and first.status == JobStatus.FAILED
        assert "stopped before it finished" in (first.error or "")


def test_a_render_another_sync_is_running_is_reported_without_a_traceback(runner, app, library):
    left_rendering(app, library, os.getpid())  # a process that is still running: this one
    result = sync(runner, library)
    assert result.exit_code == 1
    assert "failed  tiny-pause" in result.output
    assert "already being rendered" in result.output
    assert "Traceback" not in result.output
