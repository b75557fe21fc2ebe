"""Web Push for reminders: the server's VAPID key, the devices people subscribe, and their
reminder preferences. (When reminders are due is `reminders`; sending them is `push_send`.)

A subscription's endpoint is where our server will later send requests, so it is checked
against an allowlist of push service hosts (`PUSH_HOSTS`): https only, by host suffix, on the
default port. An entry with a port (`127.0.0.1:8123`) allows exactly that host and port, over
plain http too: for a test deployment's fake push service."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from sqlalchemy import delete, select

from api.models import PushSubscription, ReminderPreference, User
from api.models.base import utcnow
from api.models.push import DEFAULT_DAILY_TIME, DEFAULT_QUIET_END, DEFAULT_QUIET_START
from api.services import Db
from api.services.accounts import Clock
from api.services.errors import Invalid, NotFound, Rejected, Unavailable
from api.services.transaction import unit_of_work

SETTINGS_HINT = (
    "Web Push is not set up on this server: set INTERLUDE_VAPID_PRIVATE_KEY and "
    "INTERLUDE_VAPID_SUBJECT (make a key with `flask --app api push keys`)."
)
MAX_SUBSCRIPTIONS = 20  # devices per person; the oldest goes when a new one comes


# --- keys and settings ----------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Base64url with or without padding; ValueError for anything else."""
    if not text or not all(c.isalnum() or c in "-_=" for c in text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error


def new_key_pair() -> tuple[str, str]:
    """(private key as base64url raw, application server key as base64url)."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(raw), public_key_of(key)


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


@lru_cache(maxsize=4)
def load_vapid(private_key: str) -> Vapid02:
    """The signer for a key given as PEM or as base64url (raw 32 bytes, or DER)."""
    text = private_key.strip()
    try:
        if text.startswith("-----BEGIN"):
            return Vapid02.from_pem(text.encode())
        return Vapid02.from_string(text)
    except Exception as error:  # py_vapid raises whatever the decoder raised
        raise Unavailable(
            "INTERLUDE_VAPID_PRIVATE_KEY is not a P-256 private key (PEM or base64url); "
            "make one with `flask --app api push keys`."
        ) from error


@dataclass(frozen=True)
class PushSettings:
    private_key: str
    subject: str
    hosts: tuple[str, ...]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PushSettings:
        return cls(
            private_key=config["VAPID_PRIVATE_KEY"],
            subject=config["VAPID_SUBJECT"],
            hosts=tuple(h.lower() for h in config["PUSH_HOSTS"]),
        )

    @property
    def configured(self) -> bool:
        return bool(self.private_key and self.subject)

    def signer(self) -> Vapid02:
        """The VAPID signer; Unavailable, naming the settings, when they are missing."""
        if not self.configured:
            raise Unavailable(SETTINGS_HINT)
        if not self.subject.startswith(("mailto:", "https://")):
            raise Unavailable("INTERLUDE_VAPID_SUBJECT must start with mailto: or https://.")
        return load_vapid(self.private_key)

    def application_server_key(self) -> str:
        return public_key_of(self.signer().private_key)


# --- subscriptions --------------------------------------------------------------------------


def check_endpoint(endpoint: str, hosts: Sequence[str]) -> None:
    """Invalid unless the endpoint is a push service URL we may send to (see the module)."""
    refused = Invalid(
        "endpoint",
        "This push endpoint is not on a push service this server sends to "
        "(https on a known push host).",
    )
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise refused from None
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None:
        raise refused
    exact = f"{host}:{port}" if port is not None else None
    if exact is not None and exact in hosts and parts.scheme in ("http", "https"):
        return
    if parts.scheme != "https" or port not in (None, 443):
        raise refused
    if not any(":" not in h and (host == h or host.endswith("." + h)) for h in hosts):
        raise refused


def check_keys(p256dh: str, auth: str) -> None:
    """The browser's public key must be a P-256 point and the auth secret 16 bytes."""
    try:
        point = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError("compressed")
    except ValueError:
        raise Invalid("keys", "keys.p256dh must be a P-256 public key (base64url).") from None
    try:
        secret = b64url_decode(auth)
    except ValueError:
        secret = b""
    if len(secret) != 16:
        raise Invalid("keys", "keys.auth must be a 16-byte secret (base64url).")


def _expiration(milliseconds: int | None) -> datetime | None:
    if milliseconds is None:
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise Invalid("expirationTime", "expirationTime is not a time we can read.") from None


@unit_of_work
def subscribe(
    session: Db,
    settings: PushSettings,
    user: User,
    data: Mapping[str, Any],
    *,
    clock: Clock = utcnow,
) -> tuple[PushSubscription, bool]:
    """Save the browser's subscription for `user`: (it, created). The same endpoint again
    updates it (a browser that moved to another account's sign-in moves it too). A device
    turns reminders on unless the person turned them off (see `ReminderPreference`)."""
    settings.signer()
    check_endpoint(data["endpoint"], settings.hosts)
    keys = data["keys"]
    check_keys(keys["p256dh"], keys["auth"])
    expires = _expiration(data.get("expirationTime"))
    now = clock()
    found = session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"])
    )
    created = found is None
    if found is None:
        found = PushSubscription(user_id=user.id, endpoint=data["endpoint"], created_at=now)
        session.add(found)
    found.user_id = user.id
    found.p256dh, found.auth = keys["p256dh"], keys["auth"]
    found.expiration_time, found.updated_at = expires, now
    session.flush()
    _keep_newest(session, user.id)
    return found, created


def _keep_newest(session: Db, user_id: uuid.UUID) -> None:
    ids = session.scalars(
        select(PushSubscription.id)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.updated_at.desc(), PushSubscription.id)
        .offset(MAX_SUBSCRIPTIONS)
    ).all()
    if ids:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))


def list_subscriptions(session: Db, user: User) -> list[PushSubscription]:
    return list(
        session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.created_at, PushSubscription.id)
        )
    )


@unit_of_work
def unsubscribe(session: Db, user: User, subscription_id: uuid.UUID) -> None:
    found = session.get(PushSubscription, subscription_id)
    if found is None or found.user_id != user.id:
        raise NotFound("There is no such device among yours.")
    session.delete(found)
    session.flush()


# --- preferences ----------------------------------------------------------------------------


def default_preferences(user_id: uuid.UUID) -> ReminderPreference:
    return ReminderPreference(
        user_id=user_id,
        enabled=None,
        quiet_start=DEFAULT_QUIET_START,
        quiet_end=DEFAULT_QUIET_END,
        daily_time=DEFAULT_DAILY_TIME,
        name_exercise=False,
    )


@dataclass(frozen=True)
class Preferences:
    """A person's preferences, and whether reminders are on for them now."""

    stored: ReminderPreference
    enabled: bool


def preferences(session: Db, user: User) -> Preferences:
    """The person's preferences (the defaults when they never set any)."""
    found = session.get(ReminderPreference, user.id) or default_preferences(user.id)
    return Preferences(found, _enabled(session, found))


def _enabled(session: Db, preference: ReminderPreference) -> bool:
    if preference.enabled is not None:
        return preference.enabled
    has_device = session.scalar(
        select(PushSubscription.id).where(PushSubscription.user_id == preference.user_id).limit(1)
    )
    return has_device is not None


@unit_of_work
def update_preferences(
    session: Db, user: User, changes: Mapping[str, Any], *, clock: Clock = utcnow
) -> Preferences:
    found = session.get(ReminderPreference, user.id)
    if found is None:
        found = default_preferences(user.id)
        session.add(found)
    quiet = changes.get("quiet_hours")
    if quiet is not None:
        if quiet["start"] == quiet["end"]:
            raise Rejected(
                "Quiet hours must start and end at different times.",
                {"quiet_hours": ["start and end are the same time"]},
            )
        found.quiet_start, found.quiet_end = quiet["start"], quiet["end"]
    for name in ("enabled", "daily_time", "name_exercise"):
        if name in changes:
            setattr(found, name, changes[name])
    found.updated_at = clock()
    session.flush()
    return Preferences(found, _enabled(session, found))
