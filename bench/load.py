"""A mixed workload against the deployed shape, stepping concurrency to find the knee; or a soak.

    .venv/bin/python bench/load.py [--steps 4,8,16,32] [--step-seconds 20]
    .venv/bin/python bench/load.py --soak [--soak-minutes 10] [--users 16]

Starts, all on loopback: PostgreSQL's database INTERLUDE_BENCH_DATABASE_URL (default
postgresql+psycopg://root@127.0.0.1:5432/interlude_bench; dropped and made again), a
SeaweedFS S3 (`weed`), a private redis-server (the RQ job queue and the rate-limit counts),
and gunicorn with infra/gunicorn.conf.py on them. The catalog is the 14 scripts of content/
with fake renditions (bench/api.py's seed; audio answers 302 to a presigned URL, which is
not followed). Then Locust, as a library, drives:

  clients     sign in once; browse the catalog and an exercise, fetch audio (302), record
              practices one by one (PUT) and in batches (sync), read stats, plan and log
  therapists  sign in once; read their clients, a client's practices and adherence

Each step prints requests per second, the server's CPU use, and p50/p95/p99 and errors per
operation kind. Targets on a 2-core machine: no 5xx; p95 <= 100 ms for reads and <= 200 ms
for single writes at the throughput where the CPU saturates (the knee: the first step whose
req/s grows less than 10 % over the one before, or whose CPU use is >= 90 % of the cores).

--soak runs one level (--users) for --soak-minutes and prints, every --sample-seconds, the
workers' RSS, open database connections, the workers' sockets and file descriptors, and the
errors so far; at the end, RSS against the first sample after warm-up (target: within 10 %)
and whether connections or descriptors grew.

Locust, the load and the servers share the machine's cores, so absolute figures are those of
this machine at this moment; run it on a quiet machine for figures to quote.
"""

from __future__ import annotations

# Locust patches the standard library with gevent: it must come before anything that opens
# sockets or imports ssl.
from locust import HttpUser, between, events, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import contextlib
import importlib.util
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import gevent
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench password long enough"
CLIENTS = 40
THERAPISTS = 4
READ_P95_MS, WRITE_P95_MS = 100.0, 200.0
WRITES = {"practice PUT", "sync batch", "sign in"}


def bench_api() -> ModuleType:
    """bench/api.py (its seed and Server), loaded by path: its name is the app's package's."""
    spec = importlib.util.spec_from_file_location("bench_api", ROOT / "bench/api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the workload -------------------------------------------------------------------------

PEOPLE: dict[str, list[str]] = {"clients": [], "therapists": []}
SLUGS: list[str] = []


class Client(HttpUser):
    weight = 9
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.email = random.choice(PEOPLE["clients"])
        answer = self.client.post(
            "/api/v1/auth/token", json={"email": self.email, "password": PASSWORD}, name="sign in"
        )
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def practice(self) -> dict:
        started = datetime.now(UTC) - timedelta(minutes=random.randint(5, 600))
        return {
            "exercise": random.choice(SLUGS),
            "started_at": started.isoformat(),
            "duration_seconds": random.randint(60, 900),
            "completed": True,
            "mood_before": random.randint(0, 10),
            "mood_after": random.randint(0, 10),
            "note": "Calmer afterwards, shoulders down.",
        }

    @task(4)
    def browse(self) -> None:
        self.client.get("/api/v1/exercises", headers=self.headers, name="catalog")
        self.client.get(f"/api/v1/exercises/{random.choice(SLUGS)}", name="exercise detail")

    @task(2)
    def audio(self) -> None:
        with self.client.get(
            f"/api/v1/exercises/{random.choice(SLUGS)}/variants/5/audio?format=aac",
            allow_redirects=False,
            name="audio 302",
            catch_response=True,
        ) as answer:
            if answer.status_code in (302, 404):  # 404: that exercise has no 5-minute length
                answer.success()

    @task(3)
    def record_one(self) -> None:
        self.client.put(
            f"/api/v1/me/practices/{uuid.uuid4()}",
            json=self.practice(),
            headers=self.headers,
            name="practice PUT",
        )

    @task(1)
    def sync(self) -> None:
        batch = [{**self.practice(), "id": str(uuid.uuid4())} for _ in range(random.randint(2, 20))]
        self.client.post(
            "/api/v1/me/practices/sync",
            json={"practices": batch},
            headers=self.headers,
            name="sync batch",
        )

    @task(3)
    def progress(self) -> None:
        self.client.get("/api/v1/me/stats", headers=self.headers, name="stats")
        self.client.get("/api/v1/me/plan", headers=self.headers, name="plan")
        self.client.get("/api/v1/me/practices", headers=self.headers, name="my practices")


class Therapist(HttpUser):
    weight = 1
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        email = random.choice(PEOPLE["therapists"])
        answer = self.client.post(
            "/api/v1/auth/token", json={"email": email, "password": PASSWORD}, name="sign in"
        )
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        clients = self.client.get(
            "/api/v1/clients?page_size=100", headers=self.headers, name="therapist clients"
        )
        self.client_ids = [row["id"] for row in clients.json()]

    @task(2)
    def clients(self) -> None:
        self.client.get("/api/v1/clients", headers=self.headers, name="therapist clients")

    @task(3)
    def one_client(self) -> None:
        cid = random.choice(self.client_ids)
        self.client.get(
            f"/api/v1/clients/{cid}/practices", headers=self.headers, name="client practices"
        )
        self.client.get(
            f"/api/v1/clients/{cid}/adherence?weeks=4", headers=self.headers, name="adherence"
        )


def seed_people() -> None:
    """In a child process whose environment names the instance: CLIENTS clients and
    THERAPISTS therapists, each client linked to one therapist (sharing mood and notes)."""
    from api import create_app
    from api.extensions import db
    from api.models import Role
    from api.registry import app_services
    from api.services import accounts, care

    app = create_app()
    with app.app_context():
        passwords = app_services(app).passwords

        def person(role: Role, email: str):
            return accounts.create_user(
                db.session,
                passwords,
                email=email,
                password=PASSWORD,
                role=role,
                timezone="Europe/Berlin",
                display_name=email.split("@")[0],
            )

        therapists = [person(Role.THERAPIST, f"t{n}@bench.example") for n in range(THERAPISTS)]
        for n in range(CLIENTS):
            client = person(Role.CLIENT, f"c{n}@bench.example")
            _, code = care.create_invitation(db.session, therapists[n % THERAPISTS])
            care.accept_invitation(db.session, client, code, share_mood=True, share_notes=True)
        db.session.commit()


# --- the services on loopback -------------------------------------------------------------


class Stack:
    """PostgreSQL database, SeaweedFS, redis-server and gunicorn, stopped in reverse."""

    def __init__(self, database_url: str, workdir: Path, bench: ModuleType) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.bench = bench
        self.processes: list[subprocess.Popen[bytes]] = []
        self.server = None

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None):
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def reset_database(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()

    def start_redis(self) -> str:
        port = self.bench.free_port()
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is needed (apt-get install redis-server)")
        self.spawn("redis", [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""])
        return f"redis://127.0.0.1:{port}"

    def start_seaweedfs(self) -> str:
        weed = shutil.which("weed") or str(VENV_BIN / "weed")
        ports = [20_000 + random.randrange(2_700) for _ in range(4)]
        data = self.workdir / "weed"
        data.mkdir()
        identities = {
            "identities": [
                {
                    "name": "bench",
                    "credentials": [{"accessKey": "bench", "secretKey": "bench-secret"}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        (self.workdir / "s3.json").write_text(json.dumps(identities))
        self.spawn(
            "weed",
            [
                weed,
                "server",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-s3",
                f"-s3.port={ports[0]}",
                f"-s3.config={self.workdir / 's3.json'}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-master.port={ports[1]}",
                f"-volume.port={ports[2]}",
                f"-filer.port={ports[3]}",
                "-volume.max=20",
                "-master.volumeSizeLimitMB=64",
                "-master.telemetry=false",
            ],
        )
        return f"http://127.0.0.1:{ports[0]}"

    def environment(self, redis: str, s3: str) -> dict[str, str]:
        return {
            **os.environ,
            "INTERLUDE_DATABASE_URL": self.database_url,
            "INTERLUDE_INSTANCE_DIR": str(self.workdir),
            "INTERLUDE_STORAGE_URL": "s3://bench/audio",
            "INTERLUDE_S3_ENDPOINT_URL": s3,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_REGION": "us-east-1",
            "INTERLUDE_JOB_QUEUE": f"{redis}/0",
            "INTERLUDE_RATELIMIT_STORAGE_URI": f"{redis}/1",
            "INTERLUDE_DATA_KEYS": "YmVuY2gtZGF0YS1rZXktbm90LWZvci1wcm9kdWN0aW8=",
            "INTERLUDE_SECRET_KEY": "bench",
            "INTERLUDE_LOG_LEVEL": "WARNING",
            "INTERLUDE_TOKEN_RATE_LIMIT_ACCOUNT": "100000/minute",
            "INTERLUDE_TOKEN_RATE_LIMIT_ADDRESS": "100000/minute",
            "PGAPPNAME": "interlude-bench",
        }

    def start(self) -> str:
        self.reset_database()
        env = self.environment(self.start_redis(), self.start_seaweedfs())
        self.wait_for_s3(env)
        self.bench.build_instance(env)
        done = subprocess.run(
            [sys.executable, __file__, "--seed-people"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"seeding people failed:\n{done.stderr[-3000:]}")
        self.server = self.bench.Server("app", "api:create_app()", env, self.workdir)
        self.server.wait_ready("/readyz")
        return self.server.url("")

    def wait_for_s3(self, env: dict[str, str]) -> None:
        code = (
            "from api import create_app; from api.registry import app_services; "
            "app_services(create_app()).storage.ensure_bucket()"
        )
        deadline = time.monotonic() + 90
        while True:
            done = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
            )
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS did not come up:\n{done.stderr[-2000:]}")
            time.sleep(2)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, 9)
                process.wait()


# --- measuring ----------------------------------------------------------------------------


def workers(server) -> list[psutil.Process]:
    return psutil.Process(server.process.pid).children()


def cpu_seconds(server) -> float:
    total = 0.0
    for process in [psutil.Process(server.process.pid), *workers(server)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_level(environment: Environment, users: int, seconds: float) -> None:
    runner = environment.runner
    assert runner is not None
    runner.start(users, spawn_rate=max(users, 1))
    gevent.sleep(2)  # everyone signed in
    environment.stats.reset_all()
    gevent.sleep(seconds)


def report_step(environment: Environment, users: int, seconds: float, cpu: float) -> dict:
    stats = environment.stats
    total = stats.total
    rps = total.num_requests / seconds
    cores = psutil.cpu_count() or 1
    print(
        f"\n== {users} users: {rps:.0f} req/s, server CPU {cpu / seconds / cores:.0%} of "
        f"{cores} cores, {total.num_failures} errors"
    )
    print(
        f"{'operation':<20}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}  target"
    )
    worst: dict[str, bool] = {}
    for (name, _method), entry in sorted(stats.entries.items()):
        p95 = entry.get_response_time_percentile(0.95)
        limit = WRITE_P95_MS if name in WRITES else READ_P95_MS
        worst[name] = p95 <= limit
        print(
            f"{name:<20}{entry.num_requests / seconds:>8.1f}"
            f"{entry.get_response_time_percentile(0.5):>9.0f}{p95:>9.0f}"
            f"{entry.get_response_time_percentile(0.99):>9.0f}{entry.num_failures:>8}"
            f"  p95 <= {limit:.0f}: {'ok' if worst[name] else 'MISSED'}"
        )
    for error in stats.errors.values():
        print(f"   error x{error.occurrences}: {error.method} {error.name}: {error.error}")
    return {
        "users": users,
        "rps": rps,
        "cpu": cpu / seconds / cores,
        "errors": total.num_failures,
        "p95_ok": all(worst.values()),
    }


def step(environment: Environment, server, levels: list[int], seconds: float) -> None:
    results = []
    for users in levels:
        run_level(environment, users, 0)
        before = cpu_seconds(server)
        locust_before = sum(psutil.Process().cpu_times()[:2])
        environment.stats.reset_all()
        gevent.sleep(seconds)
        results.append(report_step(environment, users, seconds, cpu_seconds(server) - before))
        locust_cpu = sum(psutil.Process().cpu_times()[:2]) - locust_before
        print(f"(Locust itself used {locust_cpu / seconds:.0%} of one core)")
    knee = next(
        (
            later
            for earlier, later in itertools.pairwise(results)
            if later["rps"] < earlier["rps"] * 1.10 or later["cpu"] >= 0.9
        ),
        None,
    )
    print("\n== summary")
    for row in results:
        print(
            f"{row['users']:>4} users  {row['rps']:>7.0f} req/s  CPU {row['cpu']:>4.0%}  "
            f"errors {row['errors']:>4}  p95 targets {'met' if row['p95_ok'] else 'MISSED'}"
        )
    if knee is None:
        print(f"no knee up to {results[-1]['users']} users: add larger steps (--steps)")
        return
    print(
        f"knee: about {knee['users']} users, {knee['rps']:.0f} req/s "
        f"(req/s stops growing by 10 %, or the server's CPU reaches 90 %)"
    )


def open_connections(server) -> int:
    total = 0
    for process in workers(server):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += len(process.net_connections(kind="tcp"))
    return total


def database_connections(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'interlude-bench'")
        ).scalar_one()
    engine.dispose()
    return int(count)


def soak(
    environment: Environment, server, database_url: str, users: int, minutes: float, every: float
) -> None:
    run_level(environment, users, 0)
    print(f"\n== soak: {users} users for {minutes:g} min; a sample every {every:g} s")
    print(
        f"{'t s':>6}{'req/s':>8}{'RSS MB (workers)':>26}{'db conns':>10}{'sockets':>9}"
        f"{'fds':>6}{'errors':>8}"
    )
    samples = []
    started = time.monotonic()
    last_requests = 0
    while time.monotonic() - started < minutes * 60:
        gevent.sleep(every)
        procs = workers(server)
        rss = [p.memory_info().rss / 2**20 for p in procs]
        fds = sum(p.num_fds() for p in procs)
        total = environment.stats.total
        sample = {
            "t": time.monotonic() - started,
            "rss": sum(rss),
            "fds": fds,
            "db": database_connections(database_url),
            "sockets": open_connections(server),
            "errors": total.num_failures,
        }
        rps = (total.num_requests - last_requests) / every
        last_requests = total.num_requests
        samples.append(sample)
        print(
            f"{sample['t']:>6.0f}{rps:>8.0f}{' + '.join(f'{r:.0f}' for r in rss):>26}"
            f"{sample['db']:>10}{sample['sockets']:>9}{fds:>6}{sample['errors']:>8}"
        )
    warm = samples[min(len(samples) - 1, max(1, len(samples) // 10))]
    end = samples[-1]
    growth = (end["rss"] - warm["rss"]) / warm["rss"]
    print(
        f"\nRSS after warm-up {warm['rss']:.0f} MB, at the end {end['rss']:.0f} MB: "
        f"{growth:+.1%} (target within 10 %: {'ok' if abs(growth) <= 0.10 else 'MISSED'})"
    )
    print(
        f"database connections {warm['db']} -> {end['db']}, fds {warm['fds']} -> {end['fds']}, "
        f"errors {end['errors']}"
    )


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="4,8,16,32", help="users per step")
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument("--soak", action="store_true")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--sample-seconds", type=float, default=30.0)
    parser.add_argument("--users", type=int, default=16, help="users during the soak")
    parser.add_argument("--seed-people", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_people:
        seed_people()
        return 0
    database_url = os.environ.get(
        "INTERLUDE_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/interlude_bench"
    )
    workdir = Path(tempfile.mkdtemp(prefix="interlude-load-"))
    stack = Stack(database_url, workdir, bench_api())
    try:
        base = stack.start()
        SLUGS[:] = sorted(path.stem for path in (ROOT / "content").glob("*.yaml"))
        PEOPLE["clients"] = [f"c{n}@bench.example" for n in range(CLIENTS)]
        PEOPLE["therapists"] = [f"t{n}@bench.example" for n in range(THERAPISTS)]
        environment = Environment(user_classes=[Client, Therapist], events=events, host=base)
        environment.create_local_runner()
        print(
            f"gunicorn {base}: {len(workers(stack.server))} workers on PostgreSQL, "
            f"SeaweedFS and Redis (logs in {workdir})"
        )
        if args.soak:
            soak(
                environment,
                stack.server,
                database_url,
                args.users,
                args.soak_minutes,
                args.sample_seconds,
            )
        else:
            step(
                environment,
                stack.server,
                [int(n) for n in args.steps.split(",")],
                args.step_seconds,
            )
        assert environment.runner is not None
        environment.runner.quit()
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
