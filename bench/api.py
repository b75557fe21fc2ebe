"""Catalog reads on gunicorn against a bare Flask JSON endpoint on the same gunicorn config.

    .venv/bin/python bench/api.py [--duration 5] [--rounds 3] [--connections 16]

Builds a throwaway instance (SQLite migrated with `flask db upgrade`, the 14 scripts of
`content/` published with fake renditions: no audio is rendered), starts two gunicorns with
infra/gunicorn.conf.py on loopback ports (the app and bench/baseline_app.py, same workers and
threads), then runs wrk against, in turn and in the same run:

  baseline   GET /ping                     (bare Flask, jsonify)
  list       GET /api/v1/exercises
  detail     GET /api/v1/exercises/<slug>  (a 3-length exercise)

Rounds are interleaved (baseline, list, detail, baseline, ...) so that drift of the machine
hits every endpoint alike; the median round of each is reported. wrk and both servers share
the machine's cores: that is the same for every endpoint, so the ratios are fair, the absolute
figures are not those of a dedicated server. Target: req/s of each endpoint / baseline >= 0.6.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is named like the `api` package: import that one, not this one.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
TARGET = 0.6

# wrk prints one JSON line at the end (latencies are in microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non2xx": %d, '
    .. '"socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
"""


# --- the throwaway instance ---------------------------------------------------------------


def seed() -> None:
    """In a child process whose environment names the instance: publish every script of
    content/ as a render + publish would, with the timelines and captions the timeline
    planner gives for estimated speech, and one fake AAC rendition per length (no audio)."""
    from api import create_app
    from api.extensions import db
    from api.models import Rendition, Variant, VersionStatus
    from api.services import content
    from api.services.rendering import variant_content_sha256
    from audio_scripts.captions import captions
    from audio_scripts.timeline import build_timeline, estimated_speech

    app = create_app()
    with app.app_context():
        count = 0
        for path in sorted((ROOT / "content").glob("*.yaml")):
            source = path.read_text(encoding="utf-8")
            script = content.check_source(source).script
            version = content.create_version(db.session, source, author_id=None)
            for minutes in version.lengths:
                timeline = build_timeline(script, minutes, estimated_speech(script))
                timeline_json, vtt = timeline.as_json(), captions(timeline)
                sha = _sha(f"{path.name}:{minutes}:aac")
                variant = Variant(
                    version=version,
                    length_minutes=minutes,
                    duration_ms=timeline.duration_ms,
                    timeline=timeline_json,
                    captions=vtt,
                    content_sha256=variant_content_sha256(timeline_json, vtt),
                    renditions=[
                        Rendition(
                            format="aac",
                            bitrate=64_000,
                            nominal_bitrate=64_000,
                            bytes=minutes * 480_000,
                            sha256=sha,
                            key=f"{sha[:2]}/{sha}.m4a",
                            mime="audio/mp4",
                        )
                    ],
                )
                db.session.add(variant)
            version.status = VersionStatus.RENDERED
            db.session.flush()
            content.publish(db.session, version)
            count += 1
        db.session.commit()
    print(count)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_instance(env: dict[str, str]) -> int:
    for command in (
        [str(VENV_BIN / "flask"), "--app", "api", "db", "upgrade"],
        [sys.executable, __file__, "--seed"],
    ):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[-3:])} failed:\n{done.stderr[-3000:]}")
    return int(done.stdout.strip().splitlines()[-1])


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, name: str, app_spec: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"gunicorn-{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "infra/gunicorn.conf.py", app_spec],
            cwd=ROOT,
            env={**env, "INTERLUDE_BIND": f"127.0.0.1:{self.port}"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its workers
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url(path), timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.name}) did not answer {path}:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the master and its workers so far, from /proc."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:  # the process ended meanwhile
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if self.process.pid in (pid, ppid):
                total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        return total / os.sysconf("SC_CLK_TCK")

    def log_tail(self) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self._log.close()


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        return json.load(response)


# --- load ---------------------------------------------------------------------------------


def run_wrk(
    server: Server, path: str, args: argparse.Namespace, script: Path, seconds: float
) -> dict[str, float]:
    url = server.url(path)
    cpu_before = server.cpu_seconds()
    done = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cpu = server.cpu_seconds() - cpu_before
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["non2xx"] or report["socket_errors"]:
        raise RuntimeError(f"wrk against {url}: {report} — the bench is not measuring 200s")
    return {
        "rps": report["requests"] / (report["duration_us"] / 1e6),
        "p50_ms": report["p50_us"] / 1000,
        "p99_ms": report["p99_us"] / 1000,
        "cpu_us": cpu / report["requests"] * 1e6,
    }


def median_round(rounds: list[dict[str, float]]) -> dict[str, float]:
    """The round with the median req/s (its latencies belong to it; lower middle if even)."""
    return sorted(rounds, key=lambda r: r["rps"])[(len(rounds) - 1) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per endpoint")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed()
        return 0

    if shutil.which("wrk") is None:
        print(
            "bench/api.py needs wrk (HTTP load generator), which is not on PATH.\n"
            "Install it with:  sudo apt-get install -y wrk   (Debian/Ubuntu)\n"
            "              or  brew install wrk              (macOS)",
            file=sys.stderr,
        )
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="interlude-bench-api-"))
    instance = workdir / "instance"
    env = {
        **os.environ,
        "INTERLUDE_INSTANCE_DIR": str(instance),
        "INTERLUDE_DATABASE_URL": f"sqlite:///{instance / 'interlude.db'}",
        "INTERLUDE_STORAGE_URL": (instance / "media").as_uri(),
        "INTERLUDE_SECRET_KEY": "bench-secret-key",
        "INTERLUDE_LOG_LEVEL": "WARNING",
        "INTERLUDE_CORS_ORIGINS": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    workers = env.get("INTERLUDE_WORKERS", "2")
    threads = env.get("INTERLUDE_THREADS", "4")
    servers: list[Server] = []
    script = workdir / "report.lua"
    script.write_text(WRK_REPORT)
    try:
        started = time.perf_counter()
        published = build_instance(env)
        print(
            f"instance: {published} exercises published (fake renditions, no audio) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        baseline = Server("baseline", "bench.baseline_app:app", env, workdir)
        app = Server("app", "api:create_app()", env, workdir)
        # The same app with its 5-second cache of anonymous catalog reads turned off: every
        # request goes to the database (shown for information; the target is for `app`).
        uncached = Server(
            "uncached", "api:create_app()", {**env, "INTERLUDE_CATALOG_CACHE_SECONDS": "0"}, workdir
        )
        servers += [baseline, app, uncached]
        baseline.wait_ready("/ping")
        app.wait_ready("/api/v1/exercises")
        uncached.wait_ready("/api/v1/exercises")

        listing = get_json(app.url("/api/v1/exercises"))
        assert isinstance(listing, list) and listing, listing
        slug = next((e["slug"] for e in listing if len(e["lengths"]) >= 3), listing[0]["slug"])
        detail = get_json(app.url(f"/api/v1/exercises/{slug}"))
        assert isinstance(detail, dict) and detail["variants"], detail
        targets = {
            "baseline  GET /ping": (baseline, "/ping"),
            "list      GET /api/v1/exercises": (app, "/api/v1/exercises"),
            f"detail    GET /api/v1/exercises/{slug}": (app, f"/api/v1/exercises/{slug}"),
            "list      (no cache)": (uncached, "/api/v1/exercises"),
            "detail    (no cache)": (uncached, f"/api/v1/exercises/{slug}"),
        }
        print(
            f"gunicorn: infra/gunicorn.conf.py, {workers} workers x {threads} threads (gthread); "
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s, "
            f"{args.rounds} interleaved rounds; {os.cpu_count()} CPUs shared by wrk and gunicorn"
        )
        print(
            f"list answers {len(listing)} items ({len(json.dumps(listing))} B JSON), "
            f"detail has {len(detail['variants'])} variants ({len(json.dumps(detail))} B JSON)"
        )

        load_before = os.getloadavg()[0]
        for server, path in targets.values():  # warm every worker, connection and code path
            run_wrk(server, path, args, script, args.warmup)
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for i in range(args.rounds):
            for name, (server, path) in targets.items():
                rounds[name].append(run_wrk(server, path, args, script, args.duration))
            print(f"  round {i + 1}/{args.rounds} done", flush=True)
        results = {name: median_round(runs) for name, runs in rounds.items()}
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    base_rps = next(iter(results.values()))["rps"]
    width = max(len(name) for name in results)
    print()
    print(
        f"{'endpoint':{width}} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/req':>10} "
        f"{'ratio':>6}  result"
    )
    below = False
    for n, (name, result) in enumerate(results.items()):
        ratio = result["rps"] / base_rps
        if n == 0:
            verdict = "(floor)"
        elif "no cache" in name:
            verdict = "(info)"
        else:
            verdict = "PASS" if ratio >= TARGET else "BELOW"
        below = below or verdict == "BELOW"
        print(
            f"{name:{width}} {result['rps']:7.0f} {result['p50_ms']:7.2f} {result['p99_ms']:7.2f} "
            f"{statistics.median(r['cpu_us'] for r in rounds[name]):10.0f} {ratio:6.2f}  {verdict}"
        )
    for name, runs in rounds.items():
        each = ", ".join(f"{run['rps']:.0f}" for run in runs)
        print(f"  {name.split()[0]:9} req/s by round: {each}")
    print(f"target: each endpoint >= {TARGET:.1f} x the baseline's req/s (ratio = req/s ratio)")
    print("CPU us/req: gunicorn's own CPU time (master + workers) per request, median round")
    load = max(load_before, os.getloadavg()[0])
    if load > (os.cpu_count() or 1) + 0.5:
        print(
            f"warning: load average {load:.1f} on {os.cpu_count()} CPUs: other processes "
            "competed for the cores; req/s are noisy (CPU us/req much less so)"
        )
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
