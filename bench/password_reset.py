"""How alike in time POST /auth/password-reset answers for an address with an account and one
without (the answer's bytes are the same; its time should not tell either).

    .venv/bin/python bench/password_reset.py [--rounds 300] [--gap 0.05]

In-process (Flask's test client), the embedded defaults: SQLite in a throwaway instance
folder, the thread-pool job runner, mail into that folder's outbox. Requests alternate known,
unknown, known, ... so that drift hits both alike; prints the median and p90 of each and the
ratio known / unknown. Target: median ratio between 0.8 and 1.25 (the mail itself is written
by the job runner, after the answer).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument(
        "--gap",
        type=float,
        default=0.05,
        help="seconds between requests, for the mail job of the one before to finish "
        "(it holds SQLite's write lock meanwhile, which would slow whichever request is next)",
    )
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="interlude-bench-reset-"))
    os.environ["INTERLUDE_INSTANCE_DIR"] = str(instance)

    import flask_migrate

    from api import create_app
    from api.extensions import db
    from api.models import Role
    from api.registry import app_services
    from api.services import accounts

    many = "100000/minute"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RESET_RATE_LIMIT_ACCOUNT": many,
            "RESET_RATE_LIMIT_ADDRESS": many,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        accounts.create_user(
            db.session,
            app_services().passwords,
            email="known@example.org",
            password="a long enough secret",
            role=Role.CLIENT,
        )
    client = app.test_client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(args.rounds * 2):
        kind = "known" if n % 2 == 0 else "unknown"
        email = "known@example.org" if kind == "known" else f"nobody{n}@example.org"
        started = time.perf_counter()
        response = client.post("/api/v1/auth/password-reset", json={"email": email})
        timings[kind].append(time.perf_counter() - started)
        assert response.status_code == 202, response.get_data(as_text=True)
        time.sleep(args.gap)
    app_services(app).jobs.shutdown(wait=True)
    for kind, values in timings.items():
        values.sort()
        print(
            f"{kind:8} median {statistics.median(values) * 1000:6.2f} ms"
            f"  p90 {values[int(len(values) * 0.9)] * 1000:6.2f} ms  (n={len(values)})"
        )
    ratio = statistics.median(timings["known"]) / statistics.median(timings["unknown"])
    print(f"ratio known/unknown (median): {ratio:.2f}  target 0.8–1.25")
    print(f"mails written: {len(list((instance / 'outbox').glob('*.eml')))}")


if __name__ == "__main__":
    main()
