"""Redis gone while INTERLUDE_JOB_QUEUE is RQ: a render request answers 503 with a message in
the error shape, the version is not left "rendering", and once Redis is back the same render
is accepted and queued. A private redis-server runs on a free loopback port (skipped when
`redis-server` is not installed)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.jobs import RQRunner
from tests.conftest import swapped_services
from tests.live import free_port

RENDER = "/api/v1/exercises/tiny-pause/versions/1/render"


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def redis_later(tmp_path) -> Iterator[RedisServer]:
    """A Redis address where nothing listens yet; `.start()` brings it up."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def test_a_render_with_redis_gone_is_503_and_can_be_retried_once_it_is_back(
    client, app, editor, upload_script, script_text, local_only, redis_later
):
    upload_script(script_text())
    runner = RQRunner(app, redis_later.url)
    with swapped_services(app, jobs=runner):
        refused = client.post(RENDER, headers=editor.headers)

        assert refused.status_code == 503
        assert set(refused.json) >= {"code", "status", "message"}
        assert "job queue cannot be reached" in refused.json["message"]
        versions = client.get("/api/v1/exercises/tiny-pause/versions", headers=editor.headers)
        assert versions.json[0]["status"] == "failed"  # never left "rendering"
        assert versions.json[0]["error"].startswith("job queue unreachable")

        redis_later.start()
        accepted = client.post(RENDER, headers=editor.headers)

    assert accepted.status_code == 202, accepted.json
    assert accepted.json["job"]["status"] == "queued"
    assert runner.queue.count == 1  # waiting for an RQ worker
    versions = client.get("/api/v1/exercises/tiny-pause/versions", headers=editor.headers)
    assert versions.json[0]["status"] == "rendering"
