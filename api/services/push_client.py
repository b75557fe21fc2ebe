"""The requests to push services, from worker threads: encrypted with pywebpush (RFC 8291
aes128gcm), signed with VAPID (RFC 8292), with timeouts, and retried with backoff for 429, 5xx
and a connection that never opened. What to send and what became of it is `push_send`'s."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit
from urllib.request import getproxies

import requests
from pywebpush import WebPusher
from requests.adapters import HTTPAdapter

from api.models import SendStatus
from api.services.push import PushSettings
from api.services.reminders import STALE

VAPID_HOURS = 12  # a signed token is reused per push service for this long


@dataclass(frozen=True)
class SendOptions:
    concurrency: int = 16
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    attempts: int = 3  # per run, for 429 and 5xx
    backoff: float = 0.5  # seconds, doubled each attempt
    lease: timedelta = timedelta(minutes=5)  # a claim older than this was left by a dead run
    stale: timedelta = STALE
    shard: tuple[int, int] = (0, 1)  # (k, n): this sender's share of the people (find_due)


@dataclass(frozen=True)
class Outgoing:
    """A claimed row with what sending it needs."""

    send_id: int
    subscription_id: uuid.UUID
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    ttl: int
    topic: str


class PushClient:
    """The requests to push services (thread-safe): one HTTP session per thread, one VAPID
    token per push service reused for hours, retries with backoff for 429 and 5xx."""

    def __init__(self, settings: PushSettings, options: SendOptions) -> None:
        self.settings, self.options = settings, options
        self.local = threading.local()
        self.tokens: dict[str, tuple[float, dict[str, str]]] = {}

    def attempts(self, item: Outgoing) -> tuple[SendStatus, int | None]:
        answer = None
        for attempt in range(self.options.attempts):
            if attempt:
                time.sleep(self.options.backoff * 2 ** (attempt - 1))
            try:
                response = self._post(item)
            except requests.RequestException as error:
                if not _never_arrived(error):
                    return SendStatus.FAILED, None  # it may have arrived: never send twice
                continue  # nothing reached the service: safe to try again
            answer = response.status_code
            if 200 <= answer < 300:
                return SendStatus.SENT, answer
            if answer in (404, 410):
                return SendStatus.GONE, answer
            if answer != 429 and answer < 500:
                return SendStatus.FAILED, answer
        return SendStatus.RETRY, answer

    def _post(self, item: Outgoing) -> requests.Response:
        subscription = {
            "endpoint": item.endpoint,
            "keys": {"p256dh": item.p256dh, "auth": item.auth},
        }
        headers = {**self._vapid_headers(item.endpoint), "Topic": item.topic, "Urgency": "normal"}
        response = WebPusher(subscription, requests_session=self._http()).send(
            item.payload,
            headers=headers,
            ttl=item.ttl,
            content_encoding="aes128gcm",
            timeout=(self.options.connect_timeout, self.options.read_timeout),
        )
        assert isinstance(response, requests.Response)
        return response

    def _http(self) -> requests.Session:
        session = getattr(self.local, "http", None)
        if session is None:
            session = requests.Session()
            # The environment's proxies, read once: `trust_env` would read them (and look
            # for a .netrc) on every request.
            session.trust_env = False
            session.proxies.update(getproxies())
            session.mount("https://", HTTPAdapter(pool_maxsize=4))
            session.mount("http://", HTTPAdapter(pool_maxsize=4))
            self.local.http = session
        return session

    def _vapid_headers(self, endpoint: str) -> dict[str, str]:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self.tokens.get(origin)
        if cached is None or cached[0] < now + 600:
            expires = int(now) + VAPID_HOURS * 3600
            claims = {"aud": origin, "exp": expires, "sub": self.settings.subject}
            cached = (expires, self.settings.signer().sign(claims))
            self.tokens[origin] = cached
        return cached[1]


def _never_arrived(error: requests.RequestException) -> bool:
    """A connection that was refused or never opened: the request did not reach anyone."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return type(reason).__name__ == "NewConnectionError"
