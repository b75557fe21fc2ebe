"""A fake Web Push service on loopback that checks what a real one checks, and browsers'
subscriptions with real keys.

`FakePushService().start()` serves `POST /push/<token>` on 127.0.0.1 (threaded). For each
request it verifies the VAPID header (RFC 8292: `vapid t=<JWT>, k=<key>`, the JWT ES256-signed
by that key, `aud` the endpoint's origin, `exp` in the next 24 hours, `sub` present), that
`TTL` is a whole number and `Content-Encoding` is aes128gcm, and decrypts the body (RFC 8291)
with the device's private key and auth secret. What it accepted is in `deliveries`; what it
refused, and why, in `refusals`. A device can be told to answer 404, 410, 429 or 500 (a list
of answers, one per request, then 201) or to hang until the service stops.

Used by the tests and by bench/reminders.py."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HANG = "hang"


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Device:
    """A browser's push subscription: its keys are made here, as a browser makes them."""

    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    answers: list[int | str] = field(default_factory=list)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64e(point)

    def subscription(self) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64e(self.auth)},
        }


@dataclass
class Delivery:
    token: str
    payload: dict[str, Any]
    ttl: int
    headers: dict[str, str]
    at: float


class Refused(Exception):
    pass


def verify_vapid(header: str, origin: str, now: float) -> str:
    """The VAPID public key (base64url) if the header is a valid RFC 8292 one for `origin`."""
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(f"Authorization scheme {scheme!r} is not vapid")
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    token, key_text = parts["t"], parts["k"]
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(key_text))
    head, body, signature = token.split(".")
    raw = b64d(signature)
    if len(raw) != 64:
        raise Refused("the JWT signature is not a raw ES256 signature")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused("the JWT is not signed by the key in k=") from None
    if json.loads(b64d(head)).get("alg") != "ES256":
        raise Refused("the JWT is not ES256")
    claims = json.loads(b64d(body))
    if claims.get("aud") != origin:
        raise Refused(f"aud {claims.get('aud')!r} is not {origin!r}")
    if not now < claims.get("exp", 0) <= now + 24 * 3600:
        raise Refused("exp is not within the next 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise Refused("sub is missing")
    return key_text


@dataclass
class Answer:
    status: int
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def _handler(service: FakePushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # as push services do: connections are reused

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = service.answer(self.path, dict(self.headers.items()), body)
            data = answer.text.encode()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass  # a line per request would drown the tests' output

    return Handler


class FakePushService:
    def __init__(self, *, expect_key: str | None = None) -> None:
        self.expect_key = expect_key
        self.devices: dict[str, Device] = {}
        self.deliveries: list[Delivery] = []
        self.refusals: list[str] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakePushService:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.server_port}"

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    def new_device(self, answers: list[int | str] | None = None) -> Device:
        token = secrets.token_urlsafe(24)
        device = Device(token, f"{self.origin}/push/{token}", answers=list(answers or []))
        with self._lock:
            self.devices[token] = device
        return device

    def delivered_to(self, device: Device) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.token == device.token]

    # --- the service ------------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        with self._lock:
            self.requests += 1
        token = path.removeprefix("/push/")
        device = self.devices.get(token)
        if device is None:
            return Answer(404)
        with self._lock:
            scripted = device.answers.pop(0) if device.answers else 201
        if scripted == HANG:
            self._release.wait(60)
            return Answer(503)
        try:
            delivery = self._check(headers, body, device)
        except (Refused, KeyError, ValueError) as error:
            with self._lock:
                self.refusals.append(f"{type(error).__name__}: {error}")
            return Answer(400, str(error))
        if scripted != 201:
            return Answer(int(scripted), headers={"Retry-After": "0"})
        with self._lock:
            self.deliveries.append(delivery)
        return Answer(201, headers={"Location": f"{self.origin}/m/{token}"})

    def _check(self, headers: dict[str, str], body: bytes, device: Device) -> Delivery:
        headers = {name.title(): value for name, value in headers.items()}
        key = verify_vapid(headers.get("Authorization", ""), self.origin, time.time())
        if self.expect_key is not None and key != self.expect_key:
            raise Refused("signed by another VAPID key")
        ttl = headers.get("Ttl", "")
        if not ttl.isdigit():
            raise Refused(f"TTL {ttl!r} is not a whole number of seconds")
        if headers.get("Content-Encoding") != "aes128gcm":
            raise Refused("Content-Encoding is not aes128gcm")
        plain = http_ece.decrypt(
            body,
            private_key=device.private_key,
            auth_secret=device.auth,
            version="aes128gcm",
        )
        return Delivery(device.token, json.loads(plain), int(ttl), headers, time.time())
