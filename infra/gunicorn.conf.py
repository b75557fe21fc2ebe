"""gunicorn settings: `gunicorn -c infra/gunicorn.conf.py "api:create_app()"`.

Every value can be changed by the environment (INTERLUDE_BIND, INTERLUDE_WORKERS,
INTERLUDE_THREADS, INTERLUDE_CLIENT_TIMEOUT) without editing this file.

Metrics: each worker is a process of its own, so prometheus-client keeps its numbers in
files under PROMETHEUS_MULTIPROC_DIR, which a scrape of /metrics adds up. It is set here
(a fresh folder per server start, emptied, unless the environment names one) before any
worker imports the app, and a dead worker's live gauges are dropped when it exits."""

import os
import shutil
import tempfile

bind = os.environ.get("INTERLUDE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("INTERLUDE_WORKERS", "2"))
# gthread with a deadline on every client read and write (api/gunicorn_worker.py), so a slow
# or stalled client cannot hold a thread: set it with INTERLUDE_CLIENT_TIMEOUT (seconds).
worker_class = "api.gunicorn_worker.DeadlineThreadWorker"
threads = int(os.environ.get("INTERLUDE_THREADS", "4"))
timeout = 60
graceful_timeout = 20
keepalive = 5
# Requests are logged by the app as JSON lines with their request id.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("INTERLUDE_FORWARDED_ALLOW_IPS", "127.0.0.1")

_metrics_dir_is_ours = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir_is_ours:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="interlude-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    # Numbers left by an earlier run of this server would be added to this one's.
    os.makedirs(_metrics_dir, exist_ok=True)
    for entry in os.listdir(_metrics_dir):
        path = os.path.join(_metrics_dir, entry)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _metrics_dir)


def on_exit(server):
    if _metrics_dir_is_ours:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def when_ready(server):
    host = bind if not bind.startswith("0.0.0.0") else bind.replace("0.0.0.0", "127.0.0.1")
    server.log.info(
        "Interlude is up: the app at http://%s/  API: http://%s/api/v1  docs: http://%s/api/docs",
        host,
        host,
        host,
    )
