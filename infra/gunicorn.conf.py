"""gunicorn settings: `gunicorn -c infra/gunicorn.conf.py "api:create_app()"`.

Every value can be changed by the environment (INTERLUDE_BIND, INTERLUDE_WORKERS,
INTERLUDE_THREADS) without editing this file."""

import os

bind = os.environ.get("INTERLUDE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("INTERLUDE_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("INTERLUDE_THREADS", "4"))
timeout = 60
graceful_timeout = 20
keepalive = 5
# Requests are logged by the app as JSON lines with their request id.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("INTERLUDE_FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    host = bind if not bind.startswith("0.0.0.0") else bind.replace("0.0.0.0", "127.0.0.1")
    server.log.info(
        "Interlude is up: the app at http://%s/  API: http://%s/api/v1  docs: http://%s/api/docs",
        host,
        host,
        host,
    )
