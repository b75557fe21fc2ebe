"""Authorisation, proven: every operation of the API × every kind of caller, with the status
each one gets.

The operations come from the app's route table, so an endpoint added without a row here fails
`test_every_operation_has_a_row_and_every_row_an_operation` (and so does a row for a removed
endpoint). Each row
says how to call the operation against objects that belong to "the client themself", and
what each of the eight actors gets:

    anonymous · the client themself · another client · their linked therapist · an unlinked
    therapist · a therapist whose link was revoked · an editor · an admin

The rule (ARCHITECTURE.md): an object the caller may not see answers 404, never 403; 403 is
for a role that may never use the operation; 401 when a protected operation is called
without a token; the published catalog and the health checks are public.

One pytest test per operation; every actor is tried and all wrong cells are reported
together. Besides the status, no answer to anyone but the client and their linked therapist
may contain the client's email, name or note. After a state-changing operation succeeds,
the next actor gets a freshly built world (a used code, a rotated token, an erased account
would spoil the next cell); a refused call must change nothing, and a wrong cell would show
if it did.
"""

from __future__ import annotations

import io
import math
import struct
import textwrap
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from api.extensions import db
from api.models import (
    Exercise,
    ExerciseVersion,
    Job,
    Recording,
    Rendition,
    Role,
    Variant,
    VersionStatus,
)
from api.ratelimit import limiter
from api.registry import app_services
from api.services.push import new_key_pair
from tests.conftest import PASSWORD, swapped_services
from tests.push_service import Device

API = "/api/v1"
ACTORS = (
    "anonymous",
    "self",
    "other_client",
    "linked_therapist",
    "unlinked_therapist",
    "revoked_therapist",
    "editor",
    "admin",
)

DRAFT_SCRIPT = textwrap.dedent(
    """\
    slug: matrix-draft
    title: A draft for the matrix
    kind: mindfulness
    summary: Drafts are for editors only.
    language: en
    lengths: [1]
    segments:
      - {say: Welcome. Settle in for a moment., id: welcome}
      - pause: {min: 1s, weight: 1}
      - {say: Thank you., id: goodbye}
    """
)


# What only the client and their linked therapist may ever read about the client.
SELF_NAME = "Quinn Selfclient"
SELF_NOTE = "Calmer afterwards, thinking of the lake."
SELF_AGENDA = "Bring up the letter from the landlord."
ENTITLED = ("self", "linked_therapist")


# --- the world -----------------------------------------------------------------------------


@dataclass
class World:
    people: dict[str, Any]  # actor name -> Person (no entry for "anonymous")
    practice_id: str
    practice_body: dict[str, Any]
    prescription_id: str
    code: str  # a fresh invitation code from the unlinked therapist
    refresh_token: str  # the client's own
    job_id: str
    slug: str = "box-breathing"
    minutes: int = 5
    draft_slug: str = "matrix-draft"
    draft_number: int = 1
    segment_id: str = "welcome"
    agenda_item_id: str = ""
    subscription_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def headers(self, actor: str) -> dict[str, str]:
        return {} if actor == "anonymous" else self.people[actor].headers

    @property
    def params(self) -> dict[str, Any]:
        return {
            "client_id": self.people["self"].id,
            "therapist_id": self.people["linked_therapist"].id,
            "practice_id": self.practice_id,
            "prescription_id": self.prescription_id,
            "code": self.code,
            "job_id": self.job_id,
            "slug": self.slug,
            "minutes": self.minutes,
            "draft_slug": self.draft_slug,
            "number": self.draft_number,
            "segment_id": self.segment_id,
            "item_id": self.agenda_item_id,
            "subscription_id": self.subscription_id,
        }


class NoRunner:
    """Render jobs are queued but not run: the matrix is about who may ask, not rendering."""

    def submit(self, job_id: uuid.UUID) -> None:
        pass

    def shutdown(self, *, wait: bool = True) -> None:
        pass


@pytest.fixture
def no_runner(app):
    with swapped_services(app, jobs=NoRunner()):
        yield


def _ok(response, what: str):
    assert response.status_code < 300, (what, response.status_code, response.get_json())
    return response.get_json(silent=True)


def _add_rendered_variant(app: Flask, slug: str, minutes: int) -> None:
    """A rendered variant (timeline, captions, one AAC file in storage) for the published
    version, so audio, captions and timeline answer 200 rather than 404."""
    with app.app_context():
        exercise = db.session.scalar(select(Exercise).where(Exercise.slug == slug))
        stored = app_services(app).storage.put_bytes(
            b"\x00\x00\x00\x18ftypM4A matrix-audio", suffix=".m4a", content_type="audio/mp4"
        )
        variant = Variant(
            version_id=exercise.published_version_id,
            length_minutes=minutes,
            duration_ms=minutes * 60_000,
            timeline={
                "duration_ms": minutes * 60_000,
                "events": [{"at_ms": 0, "until_ms": 1000, "type": "bell"}],
            },
            captions="WEBVTT\n\n00:00.000 --> 00:01.000\nWelcome.\n",
            content_sha256="a" * 64,
        )
        variant.renditions.append(
            Rendition(
                format="aac",
                bitrate=96,
                nominal_bitrate=96,
                bytes=stored.bytes,
                sha256=stored.sha256,
                key=stored.key,
                mime="audio/mp4",
            )
        )
        db.session.add(variant)
        db.session.commit()


def _wipe(app: Flask) -> None:
    """What tests/conftest.py does after each test, for rebuilding within one."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
    limiter.reset()


def practice_body(prescription_id: str) -> dict[str, Any]:
    started = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    return {
        "exercise": "box-breathing",
        "length_minutes": 5,
        "prescription_id": prescription_id,
        "started_at": started.isoformat(),
        "duration_seconds": 300,
        "completed": True,
        "mood_before": 3,
        "mood_after": 6,
        "note": SELF_NOTE,
        "share_note": True,
    }


def build_world(app: Flask, client: FlaskClient, make_user, make_exercise) -> World:
    people = {
        "self": make_user(Role.CLIENT, display_name=SELF_NAME),
        "other_client": make_user(Role.CLIENT, display_name="Other Client"),
        "linked_therapist": make_user(Role.THERAPIST, display_name="Linked Therapist"),
        "unlinked_therapist": make_user(Role.THERAPIST, display_name="Unlinked Therapist"),
        "revoked_therapist": make_user(Role.THERAPIST, display_name="Revoked Therapist"),
        "editor": make_user(Role.EDITOR),
        "admin": make_user(Role.ADMIN),
    }
    me = people["self"]
    make_exercise("box-breathing", kind="breathing", lengths=[3, 5, 10])
    _add_rendered_variant(app, "box-breathing", 5)

    def link(therapist: str) -> None:
        code = _ok(client.post(f"{API}/invitations", headers=people[therapist].headers), "invite")
        _ok(
            client.post(
                f"{API}/invitations/{code['code']}/accept",
                json={"share_mood": True, "share_notes": True},
                headers=me.headers,
            ),
            "accept",
        )

    def prescribe(therapist: str) -> str:
        body = {
            "exercise": "box-breathing",
            "length_minutes": 5,
            "schedule": {"days": ["mon", "wed", "fri"]},
            "start_date": (datetime.now(UTC).date() - timedelta(days=7)).isoformat(),
        }
        return _ok(
            client.post(
                f"{API}/clients/{me.id}/prescriptions",
                json=body,
                headers=people[therapist].headers,
            ),
            "prescribe",
        )["id"]

    link("linked_therapist")
    link("revoked_therapist")
    prescription_id = prescribe("linked_therapist")
    revoked_prescription = prescribe("revoked_therapist")
    _ok(
        client.delete(f"{API}/me/therapists/{people['revoked_therapist'].id}", headers=me.headers),
        "revoke",
    )

    practice_id = str(uuid.uuid4())
    body = practice_body(prescription_id)
    _ok(client.put(f"{API}/me/practices/{practice_id}", json=body, headers=me.headers), "log")
    item = _ok(
        client.post(
            f"{API}/me/agenda", json={"text": SELF_AGENDA, "shared": True}, headers=me.headers
        ),
        "agenda",
    )
    device = _ok(
        client.post(f"{API}/me/push-subscriptions", json=push_device(), headers=me.headers),
        "subscribe",
    )
    # The linked therapist has read the client's data once (an access-log entry).
    _ok(client.get(f"{API}/clients/{me.id}", headers=people["linked_therapist"].headers), "read")

    code = _ok(
        client.post(f"{API}/invitations", headers=people["unlinked_therapist"].headers), "code"
    )["code"]
    tokens = _ok(
        client.post(f"{API}/auth/token", json={"email": me.email, "password": PASSWORD}),
        "sign in",
    )

    # A draft exercise for the editing operations; marked rendered so it can be published.
    _ok(
        client.post(
            f"{API}/scripts", json={"source": DRAFT_SCRIPT}, headers=people["editor"].headers
        ),
        "upload script",
    )
    with app.app_context():
        version = db.session.scalar(
            select(ExerciseVersion)
            .join(Exercise, ExerciseVersion.exercise_id == Exercise.id)
            .where(Exercise.slug == "matrix-draft")
        )
        version.status = VersionStatus.RENDERED
        version.rendered_at = datetime.now(UTC)
        job = Job(kind="render", payload={"version_id": version.id})
        db.session.add(job)
        # A recording of the second segment, to hear and remove (the first takes uploads).
        stored = app_services(app).storage.put_bytes(
            tone_wav(), suffix=".wav", content_type="audio/wav"
        )
        db.session.add(
            Recording(
                version_id=version.id,
                segment_id="goodbye",
                key=stored.key,
                sha256=stored.sha256,
                bytes=stored.bytes,
                duration_ms=500,
                filename="goodbye.wav",
            )
        )
        db.session.commit()
        job_id = str(job.id)

    limiter.reset()
    return World(
        people=people,
        practice_id=practice_id,
        practice_body=body,
        prescription_id=prescription_id,
        code=code,
        refresh_token=tokens["refresh_token"],
        job_id=job_id,
        agenda_item_id=item["id"],
        subscription_id=device["id"],
        extra={"revoked_prescription_id": revoked_prescription},
    )


# --- expectations --------------------------------------------------------------------------


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    return {**everyone(status), "anonymous": 401, **overrides}


def clients_only(self: int, other_client: int) -> dict[str, int]:
    return {
        **signed_in(403),
        "self": self,
        "other_client": other_client,
    }


def therapists_only(linked: int, unlinked: int, revoked: int) -> dict[str, int]:
    return {
        **signed_in(403),
        "linked_therapist": linked,
        "unlinked_therapist": unlinked,
        "revoked_therapist": revoked,
    }


def editors_only(status: int) -> dict[str, int]:
    return {**signed_in(403), "editor": status, "admin": status}


def admin_only(status: int) -> dict[str, int]:
    return {**signed_in(403), "admin": status}


Body = Callable[[World, str], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    expect: dict[str, int]
    path: str  # formatted with World.params
    body: Body | None = None  # keyword arguments for the test client (json=..., data=...)
    query: str = ""

    def __post_init__(self) -> None:
        assert set(self.expect) == set(ACTORS), self.expect


def unique_email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.org"


def tone_wav(seconds: float = 0.5, rate: int = 22050) -> bytes:
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def recording_upload(world: World, actor: str) -> dict[str, Any]:
    return {
        "data": {"file": (io.BytesIO(tone_wav()), "take.wav")},
        "content_type": "multipart/form-data",
    }


def prescription_in(world: World, actor: str) -> dict[str, Any]:
    return {
        "json": {
            "exercise": "box-breathing",
            "schedule": {"per_week": 3},
            "start_date": datetime.now(UTC).date().isoformat(),
        }
    }


def push_device(*_: object) -> dict[str, Any]:
    """What a browser's `PushSubscription.toJSON()` gives, on a push host the app allows."""
    token = uuid.uuid4().hex
    return Device(token, f"https://fcm.googleapis.com/fcm/send/{token}").subscription()


@pytest.fixture(autouse=True)
def push_keys(app, monkeypatch):
    """Web Push set up, so its operations answer by the caller's rights, not with 503."""
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", new_key_pair()[0])
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", "mailto:matrix@example.org")


# (METHOD, rule) -> how to call it and what each actor gets.
MATRIX: dict[tuple[str, str], Row] = {
    # --- operations ---
    ("GET", "/healthz"): Row(everyone(200), "/healthz"),
    ("GET", "/readyz"): Row(everyone(200), "/readyz"),
    ("GET", "/api/v1"): Row(everyone(200), "/api/v1"),
    # --- accounts ---
    ("POST", "/api/v1/auth/register"): Row(
        everyone(202),
        "/api/v1/auth/register",
        lambda w, a: {"json": {"email": unique_email(a), "password": PASSWORD, "timezone": "UTC"}},
    ),
    ("POST", "/api/v1/auth/token"): Row(
        everyone(200),
        "/api/v1/auth/token",
        lambda w, a: {"json": {"email": w.people["self"].email, "password": PASSWORD}},
    ),
    ("POST", "/api/v1/auth/refresh"): Row(
        everyone(200),
        "/api/v1/auth/refresh",
        lambda w, a: {"json": {"refresh_token": w.refresh_token}},
    ),
    ("POST", "/api/v1/auth/logout"): Row(signed_in(204), "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password-reset"): Row(
        everyone(202),
        "/api/v1/auth/password-reset",
        lambda w, a: {"json": {"email": w.people["self"].email}},
    ),
    # A real link's token is tested in tests/api/mail; a made-up one is not found for anyone.
    ("POST", "/api/v1/auth/password-reset/confirm"): Row(
        everyone(404),
        "/api/v1/auth/password-reset/confirm",
        lambda w, a: {"json": {"token": "made-up-token", "password": PASSWORD}},
    ),
    ("GET", "/api/v1/me"): Row(signed_in(200), "/api/v1/me"),
    ("PATCH", "/api/v1/me"): Row(
        signed_in(200), "/api/v1/me", lambda w, a: {"json": {"display_name": "Renamed"}}
    ),
    ("DELETE", "/api/v1/me"): Row(
        # The world's only admin is the last enabled one, who may not erase their account.
        signed_in(204, admin=409),
        "/api/v1/me",
        lambda w, a: {"json": {"password": PASSWORD}},
    ),
    ("POST", "/api/v1/me/password"): Row(
        signed_in(204),
        "/api/v1/me/password",
        lambda w, a: {
            "json": {"current_password": PASSWORD, "new_password": "a different passphrase"}
        },
    ),
    ("GET", "/api/v1/me/export"): Row(signed_in(200), "/api/v1/me/export"),
    ("POST", "/api/v1/admin/users"): Row(
        admin_only(201),
        "/api/v1/admin/users",
        lambda w, a: {
            "json": {"email": unique_email(a), "password": PASSWORD, "role": "therapist"}
        },
    ),
    ("GET", "/api/v1/admin/users"): Row(admin_only(200), "/api/v1/admin/users"),
    ("POST", "/api/v1/admin/users/<uuid:user_id>/disable"): Row(
        admin_only(200), "/api/v1/admin/users/{therapist_id}/disable"
    ),
    ("POST", "/api/v1/admin/users/<uuid:user_id>/enable"): Row(
        admin_only(200), "/api/v1/admin/users/{therapist_id}/enable"
    ),
    # --- catalog (public) ---
    ("GET", "/api/v1/exercises"): Row(everyone(200), "/api/v1/exercises"),
    ("GET", "/api/v1/support"): Row(everyone(200), "/api/v1/support"),
    ("GET", "/api/v1/exercises/<name:slug>"): Row(everyone(200), "/api/v1/exercises/{slug}"),
    ("GET", "/api/v1/exercises/<name:slug>/variants/<int(min=1, max=600):minutes>/audio"): Row(
        everyone(200), "/api/v1/exercises/{slug}/variants/{minutes}/audio", query="format=aac"
    ),
    ("GET", "/api/v1/exercises/<name:slug>/variants/<int(min=1, max=600):minutes>/captions"): Row(
        everyone(200), "/api/v1/exercises/{slug}/variants/{minutes}/captions"
    ),
    ("GET", "/api/v1/exercises/<name:slug>/variants/<int(min=1, max=600):minutes>/timeline"): Row(
        everyone(200), "/api/v1/exercises/{slug}/variants/{minutes}/timeline"
    ),
    # --- editing ---
    ("POST", "/api/v1/scripts/validate"): Row(
        editors_only(200),
        "/api/v1/scripts/validate",
        lambda w, a: {"json": {"source": DRAFT_SCRIPT}},
    ),
    ("POST", "/api/v1/scripts"): Row(
        editors_only(201), "/api/v1/scripts", lambda w, a: {"json": {"source": DRAFT_SCRIPT}}
    ),
    ("GET", "/api/v1/exercises/<name:slug>/versions"): Row(
        editors_only(200), "/api/v1/exercises/{draft_slug}/versions"
    ),
    (
        "PUT",
        "/api/v1/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>"
        "/recordings/<name:segment_id>",
    ): Row(
        editors_only(201),
        "/api/v1/exercises/{draft_slug}/versions/{number}/recordings/{segment_id}",
        recording_upload,
    ),
    ("POST", "/api/v1/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>/render"): Row(
        editors_only(202), "/api/v1/exercises/{draft_slug}/versions/{number}/render"
    ),
    (
        "POST",
        "/api/v1/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>/publish",
    ): Row(editors_only(200), "/api/v1/exercises/{draft_slug}/versions/{number}/publish"),
    ("GET", "/api/v1/jobs/<uuid:job_id>"): Row(editors_only(200), "/api/v1/jobs/{job_id}"),
    ("GET", "/api/v1/scripts"): Row(editors_only(200), "/api/v1/scripts"),
    ("GET", "/api/v1/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>"): Row(
        editors_only(200), "/api/v1/exercises/{draft_slug}/versions/{number}"
    ),
    (
        "GET",
        "/api/v1/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>"
        "/recordings/<name:segment_id>",
    ): Row(
        editors_only(200), "/api/v1/exercises/{draft_slug}/versions/{number}/recordings/goodbye"
    ),
    (
        "DELETE",
        "/api/v1/exercises/<name:slug>/versions/<int(min=1, max=1000000):number>"
        "/recordings/<name:segment_id>",
    ): Row(
        editors_only(204), "/api/v1/exercises/{draft_slug}/versions/{number}/recordings/goodbye"
    ),
    # --- the practice log (a client's own) ---
    ("PUT", "/api/v1/me/practices/<uuid:practice_id>"): Row(
        # The client's identical replay is 200. Another client's device id is a row of their
        # own, but they cannot attach it to this client's prescription: 422, the same answer
        # as for a prescription that does not exist.
        clients_only(self=200, other_client=422),
        "/api/v1/me/practices/{practice_id}",
        lambda w, a: {"json": w.practice_body},
    ),
    ("GET", "/api/v1/me/practices/<uuid:practice_id>"): Row(
        clients_only(self=200, other_client=404), "/api/v1/me/practices/{practice_id}"
    ),
    ("DELETE", "/api/v1/me/practices/<uuid:practice_id>"): Row(
        clients_only(self=204, other_client=404), "/api/v1/me/practices/{practice_id}"
    ),
    ("POST", "/api/v1/me/practices/sync"): Row(
        clients_only(self=200, other_client=200),
        "/api/v1/me/practices/sync",
        lambda w, a: {"json": {"practices": [{**w.practice_body, "id": w.practice_id}]}},
    ),
    ("GET", "/api/v1/me/practices"): Row(
        clients_only(self=200, other_client=200), "/api/v1/me/practices"
    ),
    ("GET", "/api/v1/me/stats"): Row(clients_only(self=200, other_client=200), "/api/v1/me/stats"),
    # --- care: invitations and links ---
    ("POST", "/api/v1/invitations"): Row(
        therapists_only(linked=201, unlinked=201, revoked=201), "/api/v1/invitations"
    ),
    ("POST", "/api/v1/invitations/<code:code>/accept"): Row(
        # The unlinked therapist's own code: any client may accept it (each in a fresh world).
        clients_only(self=201, other_client=201),
        "/api/v1/invitations/{code}/accept",
        lambda w, a: {"json": {"share_mood": True, "share_notes": False}},
    ),
    ("GET", "/api/v1/me/therapists"): Row(
        clients_only(self=200, other_client=200), "/api/v1/me/therapists"
    ),
    ("PATCH", "/api/v1/me/therapists/<uuid:therapist_id>"): Row(
        clients_only(self=200, other_client=404),
        "/api/v1/me/therapists/{therapist_id}",
        lambda w, a: {"json": {"share_notes": False, "share_history": True}},
    ),
    ("DELETE", "/api/v1/me/therapists/<uuid:therapist_id>"): Row(
        clients_only(self=204, other_client=404), "/api/v1/me/therapists/{therapist_id}"
    ),
    # --- care: the therapist's side ---
    ("GET", "/api/v1/clients"): Row(
        therapists_only(linked=200, unlinked=200, revoked=200), "/api/v1/clients"
    ),
    ("GET", "/api/v1/clients/<uuid:client_id>"): Row(
        therapists_only(linked=200, unlinked=404, revoked=404), "/api/v1/clients/{client_id}"
    ),
    ("GET", "/api/v1/clients/<uuid:client_id>/practices"): Row(
        therapists_only(linked=200, unlinked=404, revoked=404),
        "/api/v1/clients/{client_id}/practices",
    ),
    ("GET", "/api/v1/clients/<uuid:client_id>/adherence"): Row(
        therapists_only(linked=200, unlinked=404, revoked=404),
        "/api/v1/clients/{client_id}/adherence",
        query="weeks=2",
    ),
    ("GET", "/api/v1/clients/<uuid:client_id>/prescriptions"): Row(
        therapists_only(linked=200, unlinked=404, revoked=404),
        "/api/v1/clients/{client_id}/prescriptions",
    ),
    ("POST", "/api/v1/clients/<uuid:client_id>/prescriptions"): Row(
        therapists_only(linked=201, unlinked=404, revoked=404),
        "/api/v1/clients/{client_id}/prescriptions",
        prescription_in,
    ),
    ("PATCH", "/api/v1/prescriptions/<uuid:prescription_id>"): Row(
        therapists_only(linked=200, unlinked=404, revoked=404),
        "/api/v1/prescriptions/{prescription_id}",
        lambda w, a: {"json": {"note": "Evenings suit you better."}},
    ),
    ("DELETE", "/api/v1/prescriptions/<uuid:prescription_id>"): Row(
        therapists_only(linked=204, unlinked=404, revoked=404),
        "/api/v1/prescriptions/{prescription_id}",
    ),
    # --- care: the client's side ---
    ("GET", "/api/v1/me/prescriptions"): Row(
        clients_only(self=200, other_client=200), "/api/v1/me/prescriptions"
    ),
    ("GET", "/api/v1/me/plan"): Row(clients_only(self=200, other_client=200), "/api/v1/me/plan"),
    ("GET", "/api/v1/me/access-log"): Row(
        clients_only(self=200, other_client=200), "/api/v1/me/access-log"
    ),
    # --- the next session: the client's agenda, the therapist's summary ---
    ("POST", "/api/v1/me/agenda"): Row(
        clients_only(self=201, other_client=201),
        "/api/v1/me/agenda",
        lambda w, a: {"json": {"text": "Bring the sleep diary", "shared": True}},
    ),
    ("GET", "/api/v1/me/agenda"): Row(
        clients_only(self=200, other_client=200), "/api/v1/me/agenda"
    ),
    ("PATCH", "/api/v1/me/agenda/<uuid:item_id>"): Row(
        clients_only(self=200, other_client=404),
        "/api/v1/me/agenda/{item_id}",
        lambda w, a: {"json": {"done": True}},
    ),
    ("DELETE", "/api/v1/me/agenda/<uuid:item_id>"): Row(
        clients_only(self=204, other_client=404), "/api/v1/me/agenda/{item_id}"
    ),
    ("GET", "/api/v1/clients/<uuid:client_id>/agenda"): Row(
        therapists_only(linked=200, unlinked=404, revoked=404),
        "/api/v1/clients/{client_id}/agenda",
    ),
    # --- reminders (Web Push) ---
    ("GET", "/api/v1/push/public-key"): Row(signed_in(200), "/api/v1/push/public-key"),
    ("POST", "/api/v1/me/push-subscriptions"): Row(
        clients_only(self=201, other_client=201),
        "/api/v1/me/push-subscriptions",
        lambda w, a: {"json": push_device()},
    ),
    ("GET", "/api/v1/me/push-subscriptions"): Row(
        clients_only(self=200, other_client=200), "/api/v1/me/push-subscriptions"
    ),
    ("DELETE", "/api/v1/me/push-subscriptions/<uuid:subscription_id>"): Row(
        clients_only(self=204, other_client=404),
        "/api/v1/me/push-subscriptions/{subscription_id}",
    ),
    ("GET", "/api/v1/me/reminders"): Row(
        clients_only(self=200, other_client=200), "/api/v1/me/reminders"
    ),
    ("PATCH", "/api/v1/me/reminders"): Row(
        clients_only(self=200, other_client=200),
        "/api/v1/me/reminders",
        lambda w, a: {"json": {"quiet_hours": {"start": "22:00", "end": "07:30"}}},
    ),
    ("GET", "/api/v1/clients/<uuid:client_id>/summary"): Row(
        therapists_only(linked=200, unlinked=404, revoked=404),
        "/api/v1/clients/{client_id}/summary",
    ),
}

OPERATIONS_OUTSIDE_API = ("/healthz", "/readyz", API)  # API: the index of links
NOT_API = ("/api/docs", "/api/openapi.json")  # documentation, served to anyone
# The web app's files, public like the documentation (tests/api/test_web.py).
WEB_APP = ("/", "/manifest.webmanifest", "/sw.js")
# Behind a token of its own, a 404 to anyone else (tests/api/test_metrics.py).
METRICS = ("/metrics",)


def operations(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith(f"{API}/") or rule.rule in OPERATIONS_OUTSIDE_API):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return found


def test_every_operation_has_a_row_and_every_row_an_operation(app):
    routes = operations(app)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing and not stale, (
        f"operations without a row in MATRIX: {missing}; rows for no operation: {stale}"
    )


def test_the_docs_are_the_only_routes_outside_the_matrix(app):
    others = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if not (rule.rule.startswith(f"{API}/") or rule.rule in OPERATIONS_OUTSIDE_API)
    }
    assert all(
        rule.startswith(NOT_API) or rule in WEB_APP + METRICS or rule.startswith("/app/")
        for rule in others
    ), others


# --- the matrix ------------------------------------------------------------------------------


def call(client: FlaskClient, world: World, actor: str, method: str, row: Row):
    path = row.path.format(**world.params)
    if row.query:
        path = f"{path}?{row.query}"
    kwargs = row.body(world, actor) if row.body else {}
    return client.open(path, method=method, headers=world.headers(actor), **kwargs)


@pytest.mark.parametrize(
    ("method", "rule"), sorted(MATRIX), ids=[f"{m} {r}" for m, r in sorted(MATRIX)]
)
def test_matrix(method, rule, app, client, make_user, make_exercise, no_runner):
    row = MATRIX[(method, rule)]
    mutates = method != "GET"
    world = build_world(app, client, make_user, make_exercise)
    wrong = []
    changed = False
    for actor in ACTORS:
        if changed:
            _wipe(app)
            world = build_world(app, client, make_user, make_exercise)
        limiter.reset()
        response = call(client, world, actor, method, row)
        # A state-changing operation that was carried out (not refused) spoils the world for
        # the next actor (a used code, a rotated token, an erased account): build it anew.
        changed = mutates and response.status_code < 400
        if response.status_code != row.expect[actor]:
            detail = (response.get_json(silent=True) or {}).get("message", "")
            wrong.append(
                f"{actor:>18}: {method} {rule} -> {response.status_code}, expected "
                f"{row.expect[actor]} {detail!r}"
            )
        if actor not in ENTITLED:
            text = response.get_data().decode(errors="replace")  # audio is not UTF-8
            secrets = (world.people["self"].email, SELF_NAME, SELF_NOTE, SELF_AGENDA)
            leaked = [secret for secret in secrets if secret in text]
            if leaked:
                wrong.append(f"{actor:>18}: {method} {rule} -> leaks the client's {leaked}")
    assert not wrong, "wrong cells:\n" + "\n".join(wrong)


# --- beyond one object per row ------------------------------------------------------------


def test_a_revoked_therapist_cannot_reach_the_prescriptions_they_wrote_before(
    app, client, make_user, make_exercise
):
    world = build_world(app, client, make_user, make_exercise)
    theirs = world.extra["revoked_prescription_id"]
    headers = world.headers("revoked_therapist")
    statuses = [
        client.patch(f"{API}/prescriptions/{theirs}", json={"note": "x"}, headers=headers),
        client.delete(f"{API}/prescriptions/{theirs}", headers=headers),
    ]
    assert [r.status_code for r in statuses] == [404, 404]
    # ... while the client still sees it, ended, in their history.
    mine = client.get(f"{API}/me/prescriptions", headers=world.headers("self")).json
    assert {p["id"]: p["status"] for p in mine}[theirs] == "ended"


def test_404_answers_say_nothing_about_whether_the_client_exists(
    app, client, make_user, make_exercise
):
    """An unlinked therapist gets the same answer for a real client as for a made-up id."""
    world = build_world(app, client, make_user, make_exercise)
    headers = world.headers("unlinked_therapist")
    for suffix in ("", "/practices", "/adherence", "/prescriptions"):
        real = client.get(f"{API}/clients/{world.people['self'].id}{suffix}", headers=headers)
        made_up = client.get(f"{API}/clients/{uuid.uuid4()}{suffix}", headers=headers)
        assert real.status_code == made_up.status_code == 404, suffix
        assert real.json == made_up.json, suffix


def test_a_draft_exercise_is_not_found_for_anyone_but_editors(
    app, client, make_user, make_exercise
):
    world = build_world(app, client, make_user, make_exercise)
    statuses = {
        actor: client.get(
            f"{API}/exercises/{world.draft_slug}", headers=world.headers(actor)
        ).status_code
        for actor in ACTORS
    }
    assert statuses == {**everyone(404), "editor": 200, "admin": 200}


# --- the window: a therapist sees practices from the link on, unless history is shared ------
# In the world, the client's practice started two hours before they linked with anyone.

THERAPIST_READS = sorted(
    [
        key
        for key, row in MATRIX.items()
        if key[0] == "GET" and row.expect["linked_therapist"] == 200 and row.expect["self"] == 403
    ]
    + [("GET", "/api/v1/me/export")]
)


def test_the_window_covers_every_therapist_read():
    assert {rule for _, rule in THERAPIST_READS} >= {
        "/api/v1/clients",
        "/api/v1/clients/<uuid:client_id>",
        "/api/v1/clients/<uuid:client_id>/practices",
        "/api/v1/clients/<uuid:client_id>/adherence",
        "/api/v1/clients/<uuid:client_id>/prescriptions",
        "/api/v1/clients/<uuid:client_id>/agenda",
        "/api/v1/clients/<uuid:client_id>/summary",
        "/api/v1/me/export",
    }


def test_no_therapist_read_shows_a_practice_from_before_the_link_unless_history_is_shared(
    app, client, make_user, make_exercise
):
    world = build_world(app, client, make_user, make_exercise)
    started = world.practice_body["started_at"][:19]
    traces = {"id": world.practice_id, "started_at": started, "note": SELF_NOTE}

    def shown() -> dict[str, list[str]]:
        found = {}
        for method, rule in THERAPIST_READS:
            response = call(client, world, "linked_therapist", method, MATRIX[(method, rule)])
            assert response.status_code == 200, (rule, response.get_json())
            text = response.get_data(as_text=True)
            found[rule] = [name for name, trace in traces.items() if trace in text]
        return found

    assert shown() == {rule: [] for _, rule in THERAPIST_READS}
    therapist_id = world.people["linked_therapist"].id
    shared = client.patch(
        f"{API}/me/therapists/{therapist_id}",
        json={"share_history": True},
        headers=world.headers("self"),
    )
    assert shared.status_code == 200 and shared.json["share_history"] is True
    after = shown()
    assert after[f"{API}/clients/<uuid:client_id>/practices"] == ["id", "started_at", "note"]
    assert after[f"{API}/clients/<uuid:client_id>"] == ["started_at"]  # its last practice
    assert after[f"{API}/clients"] == ["started_at"]
    # It started before the prescription was written, so it is not done for it (item 9).
    adherence = client.get(
        f"{API}/clients/{world.people['self'].id}/adherence?weeks=2",
        headers=world.headers("linked_therapist"),
    ).json
    assert all(w["done"] == 0 for p in adherence["prescriptions"] for w in p["weeks"])
