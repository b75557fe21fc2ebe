"""A real server for tests that need one: gunicorn with the project's own config
(`infra/gunicorn.conf.py`), on a free loopback port, on the same database, instance folder
and storage as the test app, so factories such as `make_user` create what the server sees.

`live_server` (conftest) gives one per test module; `make_live_server(workers=1, env={...})`
makes more. A server can be stopped and started again on the same port (browser tests use
that for "no connection"), and its output is kept in a log file for failure messages."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from api.config import TEST_DATA_KEY

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    def __init__(
        self,
        *,
        database_url: str,
        instance_dir: Path,
        storage_url: str,
        log_path: Path,
        workers: int = 2,
        threads: int = 4,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "INTERLUDE_DATABASE_URL": database_url,
            "INTERLUDE_INSTANCE_DIR": str(instance_dir),
            "INTERLUDE_STORAGE_URL": storage_url,
            "INTERLUDE_BIND": f"127.0.0.1:{self.port}",
            "INTERLUDE_WORKERS": str(workers),
            "INTERLUDE_THREADS": str(threads),
            # Cheap hashing, as in TestConfig; the server is otherwise configured as deployed.
            "INTERLUDE_ARGON2_TIME_COST": "1",
            "INTERLUDE_ARGON2_MEMORY_KIB": "1024",
            "INTERLUDE_SECRET_KEY": "live-test-secret",
            "INTERLUDE_DATA_KEYS": TEST_DATA_KEY,  # the test app's, so both read the notes
            "INTERLUDE_LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.env.pop("INTERLUDE_TEST_DATABASE_URL", None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> LiveServer:
        if self.running:
            return self
        gunicorn = Path(sys.executable).parent / "gunicorn"
        command = [str(gunicorn), "-c", str(ROOT / "infra/gunicorn.conf.py"), "api:create_app()"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its workers go with it on stop()
            )
        self._wait_until_up(time.monotonic() + START_SECONDS)
        return self

    def stop(self, *, kill: bool = False) -> None:
        """Stop the whole process group: SIGTERM (or SIGKILL), then SIGKILL after a grace."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def restart(self) -> LiveServer:
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _wait_until_up(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited during start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop(kill=True)
        raise RuntimeError(
            f"gunicorn did not answer within {START_SECONDS:.0f} s:\n{self.log_tail()}"
        )
