"""The JSON depth scan against json.loads of the same bodies, in one run.

    .venv/bin/python bench/json_depth.py [--rounds 5]

Every JSON request is scanned (api/jsondepth.py) before it is decoded, so the scan should
cost about what decoding does for a real body: the largest is a sync of 500 practices with
2,000-character notes (about 1.1 MB). Bodies of nothing but brackets, which the decoder
cannot take, are timed for the scan alone. Target: scan / decode <= 5 for the sync bodies,
and a 1 MiB body of `[` refused in under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

# bench/api.py would shadow the package: put the project root first.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.jsondepth import nesting_depth


def sync_body(note: str) -> bytes:
    item = {
        "id": str(uuid.uuid4()),
        "exercise": "box-breathing",
        "length_minutes": 5,
        "started_at": "2026-11-18T12:00:00+00:00",
        "duration_seconds": 300,
        "completed": True,
        "mood_before": 3,
        "mood_after": 6,
        "note": note,
        "share_note": True,
    }
    return json.dumps({"practices": [item] * 500}).encode()


def best_ms(work, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    for name, body in (
        ("sync of 500, plain notes", sync_body("calm " * 400)),
        ("sync of 500, escape-heavy notes", sync_body('a"b\\' * 500)),
    ):
        scan = best_ms(lambda b=body: nesting_depth(b), rounds)
        decode = best_ms(lambda b=body: json.loads(b), rounds)
        print(
            f"{name:34} {len(body):>9} B  scan {scan:6.1f} ms  decode {decode:6.1f} ms  "
            f"ratio {scan / decode:4.1f}"
        )
    for name, body in (("1 MiB of [", b"[" * (1 << 20)), ("1 MiB of []", b"[]" * (1 << 19))):
        scan = best_ms(lambda b=body: nesting_depth(b), rounds)
        print(f"{name:34} {len(body):>9} B  scan {scan:6.1f} ms")


if __name__ == "__main__":
    main()
