"""Sending 10,000 due reminders to the fake push service: throughput and peak memory.

    .venv/bin/python bench/reminders.py [--reminders 10000] [--devices 5] [--concurrency 32]
                                        [--senders 1] [--database-url URL]

Builds a throwaway instance (SQLite in a temporary folder unless --database-url names an
empty PostgreSQL database), loads people in UTC each with one prescription due five minutes
ago and `--devices` subscribed devices (reminders = people x devices), and starts the fake
push service of tests/push_service.py in this process: it checks every request's VAPID JWT and
decrypts every payload, as in the tests. Then it runs `flask --app api reminders send` in
`--senders` processes at once and reports, for the run as a whole: reminders sent per second
(wall time of the command, start-up included), the peak resident memory of the sender
processes together (sampled from /proc every 20 ms), and that each reminder arrived once.

Target: >= 200 reminders per second. The fake service shares the machine's cores with the
senders, so the figure is a floor for a sender talking to real push services.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench/api.py would otherwise shadow the `api` package

import flask_migrate  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from api import create_app  # noqa: E402
from api.config import TestConfig  # noqa: E402
from api.extensions import db  # noqa: E402
from api.models import (  # noqa: E402
    Exercise,
    ExerciseVersion,
    Prescription,
    PushSubscription,
    ReminderPreference,
    Role,
    User,
    VersionStatus,
)
from api.services.push import new_key_pair  # noqa: E402
from tests.push_service import FakePushService  # noqa: E402

TARGET_PER_SECOND = 200
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def main() -> None:
    options = parse()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    private, public = new_key_pair()
    service = FakePushService(expect_key=public).start()
    people = options.reminders // options.devices
    with tempfile.TemporaryDirectory() as instance:
        url = options.database_url or f"sqlite:///{instance}/bench.db"
        config = TestConfig(instance_dir=Path(instance))
        config.SQLALCHEMY_DATABASE_URI = url
        app = create_app(config)
        started = time.perf_counter()
        with app.app_context():
            flask_migrate.upgrade()
            load(service, people, options.devices)
            db.session.remove()
            db.engine.dispose()
        print(
            f"loaded {people:,} people x {options.devices} devices = "
            f"{people * options.devices:,} due reminders in {time.perf_counter() - started:.1f} s"
        )
        env = {
            **os.environ,
            "INTERLUDE_DATABASE_URL": url,
            "INTERLUDE_INSTANCE_DIR": instance,
            "INTERLUDE_VAPID_PRIVATE_KEY": private,
            "INTERLUDE_VAPID_SUBJECT": "mailto:bench@example.org",
            "INTERLUDE_PUSH_HOSTS": service.host,
        }
        log = Path(instance) / "senders.log"
        elapsed, peak = run_senders(env, options, log)
    service.stop()
    report(service, people * options.devices, elapsed, peak, options)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=5, help="devices per person")
    parser.add_argument("--concurrency", type=int, default=32, help="requests at once, per sender")
    parser.add_argument("--senders", type=int, default=1, help="sender processes at once")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    return parser.parse_args()


def load(service: FakePushService, people: int, devices: int) -> None:
    now = datetime.now(UTC)
    at = max(now - timedelta(minutes=5), now.replace(hour=0, minute=0, second=0, microsecond=0))
    quiet = (now + timedelta(hours=12)).time().replace(second=0, microsecond=0)
    quiet_end = (now + timedelta(hours=12, minutes=1)).time().replace(second=0, microsecond=0)
    exercise = add_exercise(now)
    for first in range(0, people, 1000):
        ids = [uuid.uuid4() for _ in range(min(1000, people - first))]
        db.session.execute(insert(User), [person(i, first + n, now) for n, i in enumerate(ids)])
        db.session.execute(
            insert(Prescription),
            [
                prescription(i, exercise, at.time().replace(second=0, microsecond=0), now)
                for i in ids
            ],
        )
        db.session.execute(
            insert(ReminderPreference),
            [
                {
                    "user_id": i,
                    "enabled": True,
                    "quiet_start": quiet,
                    "quiet_end": quiet_end,
                    "daily_time": quiet,
                    "name_exercise": False,
                    "updated_at": now,
                }
                for i in ids
            ],
        )
        db.session.execute(
            insert(PushSubscription),
            [subscription(service, i, now) for i in ids for _ in range(devices)],
        )
        db.session.commit()


def person(user_id: uuid.UUID, number: int, now: datetime) -> dict[str, object]:
    return {
        "id": user_id,
        "email": f"person{number}@example.org",
        "password_hash": "not-a-hash",
        "role": Role.CLIENT,
        "timezone": "UTC",
        "day_starts_at": datetime.min.time(),
        "created_at": now - timedelta(days=30),
        "password_changed_at": now - timedelta(days=30),
    }


def prescription(user_id: uuid.UUID, exercise: int, at, now: datetime) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "client_id": user_id,
        "exercise_id": exercise,
        "schedule": {"days": ALL_DAYS},
        "time_of_day": at,
        "start_date": (now - timedelta(days=7)).date(),
        "created_at": now - timedelta(days=7),
        "updated_at": now - timedelta(days=7),
    }


def subscription(service: FakePushService, user_id: uuid.UUID, now: datetime) -> dict[str, object]:
    device = service.new_device().subscription()
    return {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "endpoint": device["endpoint"],
        "p256dh": device["keys"]["p256dh"],
        "auth": device["keys"]["auth"],
        "created_at": now,
        "updated_at": now,
    }


def add_exercise(now: datetime) -> int:
    exercise = Exercise(slug="calm-breath")
    version = ExerciseVersion(
        exercise=exercise,
        number=1,
        status=VersionStatus.PUBLISHED,
        source="slug: calm-breath\n",
        source_sha256="0" * 64,
        title="A calm breath",
        kind="breathing",
        language="en",
        lengths=[5],
        published_at=now,
    )
    db.session.add_all([exercise, version])
    db.session.flush()
    exercise.published_version_id = version.id
    exercise.title, exercise.kind, exercise.language, exercise.summary = (
        "A calm breath",
        "breathing",
        "en",
        "",
    )
    exercise.lengths, exercise.shortest_minutes, exercise.first_published_at = [5], 5, now
    db.session.commit()
    return exercise.id


def run_senders(env: dict[str, str], options: argparse.Namespace, log: Path) -> tuple[float, int]:
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "api",
        "reminders",
        "send",
        "--concurrency",
        str(options.concurrency),
    ]
    with log.open("w") as output:
        started = time.perf_counter()
        shards = options.senders
        processes = [
            subprocess.Popen(
                [*command, "--shard", f"{k}/{shards}"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=output,
            )
            for k in range(1, shards + 1)
        ]
        peak = [0]
        sampler = threading.Thread(target=sample, args=([p.pid for p in processes], peak))
        sampler.start()
        codes = [process.wait() for process in processes]
        elapsed = time.perf_counter() - started
        sampler.join()
    if any(codes):
        sys.exit(f"a sender failed ({codes}):\n{log.read_text()[-3000:]}")
    lines = log.read_text().splitlines()
    said = [line for line in lines if not line.startswith("{")]
    phases = [json.loads(line)["message"] for line in lines if "found and recorded" in line]
    print("senders said:", "; ".join(said), "|", "; ".join(phases))
    return elapsed, peak[0]


def tree_rss(pids: list[int]) -> int:
    """Resident bytes of the processes and all their descendants."""
    total, seen, queue = 0, set(), list(pids)
    while queue:
        pid = queue.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += (
                next(
                    int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
                )
                * 1024
            )
            for task in Path(f"/proc/{pid}/task").iterdir():
                queue.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def sample(pids: list[int], peak: list[int]) -> None:
    while any(Path(f"/proc/{pid}").exists() and "zombie" not in state(pid) for pid in pids):
        peak[0] = max(peak[0], tree_rss(pids))
        time.sleep(0.02)


def state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0]
    except (FileNotFoundError, IndexError):
        return "zombie"


def report(
    service: FakePushService, expected: int, elapsed: float, peak: int, options: argparse.Namespace
) -> None:
    counts: dict[str, int] = {}
    for delivery in service.deliveries:
        counts[delivery.token] = counts.get(delivery.token, 0) + 1
    twice = sum(1 for n in counts.values() if n > 1)
    rate = len(service.deliveries) / elapsed
    print(
        f"{options.senders} sender(s) x concurrency {options.concurrency}: "
        f"{len(service.deliveries):,} of {expected:,} delivered in {elapsed:.1f} s "
        f"= {rate:,.0f} per second (target >= {TARGET_PER_SECOND})"
    )
    print(f"peak memory of the sender processes: {peak / 2**20:.0f} MiB")
    print(f"delivered twice: {twice}; refused by the fake service: {len(service.refusals)}")
    if service.refusals:
        print("first refusal:", service.refusals[0])


if __name__ == "__main__":
    main()
