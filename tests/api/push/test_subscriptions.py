"""Subscribing devices, the server's key, preferences, and what the export and erasure do."""

from __future__ import annotations

import pytest

from api.models import Role
from tests.push_service import Device, b64e

PUBLIC_ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"


def subscribe(client, person, body):
    return client.post("/api/v1/me/push-subscriptions", json=body, headers=person.headers)


def test_without_keys_the_push_endpoints_say_what_to_set(client, client_user, push_service):
    for response in (
        client.get("/api/v1/push/public-key", headers=client_user.headers),
        subscribe(client, client_user, push_service.new_device().subscription()),
    ):
        assert response.status_code == 503
        assert "INTERLUDE_VAPID_PRIVATE_KEY" in response.json["message"]
        assert "INTERLUDE_VAPID_SUBJECT" in response.json["message"]
    answer = client.get("/api/v1/me/reminders", headers=client_user.headers)
    assert answer.status_code == 200 and answer.json["push_available"] is False


def test_the_public_key_is_the_application_server_key(client, client_user, push_ready, vapid_pair):
    response = client.get("/api/v1/push/public-key", headers=client_user.headers)
    assert response.status_code == 200
    assert response.json == {"public_key": vapid_pair[1]}


def test_a_pem_key_works_too(client, client_user, app, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", pem)
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", "https://example.org/contact")
    response = client.get("/api/v1/push/public-key", headers=client_user.headers)
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert response.json == {"public_key": b64e(point)}


def test_a_device_subscribes_once_by_endpoint_and_reminders_turn_on(
    client, client_user, push_ready
):
    device = push_ready.new_device()
    first = subscribe(client, client_user, device.subscription())
    assert first.status_code == 201, first.json
    again = subscribe(client, client_user, device.subscription())
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    listed = client.get("/api/v1/me/push-subscriptions", headers=client_user.headers).json
    assert [s["id"] for s in listed] == [first.json["id"]]
    assert "keys" not in listed[0]
    preferences = client.get("/api/v1/me/reminders", headers=client_user.headers).json
    assert preferences == {
        "enabled": True,
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "daily_time": "09:00",
        "name_exercise": False,
        "push_available": True,
    }


def test_a_person_may_have_several_devices_and_remove_one(client, client_user, push_ready):
    ids = [
        subscribe(client, client_user, push_ready.new_device().subscription()).json["id"]
        for _ in range(2)
    ]
    gone = client.delete(f"/api/v1/me/push-subscriptions/{ids[0]}", headers=client_user.headers)
    assert gone.status_code == 204
    listed = client.get("/api/v1/me/push-subscriptions", headers=client_user.headers).json
    assert [s["id"] for s in listed] == [ids[1]]


def test_another_persons_device_is_not_found(client, make_user, push_ready):
    owner, other = make_user(), make_user()
    made = subscribe(client, owner, push_ready.new_device().subscription()).json
    response = client.delete(f"/api/v1/me/push-subscriptions/{made['id']}", headers=other.headers)
    assert response.status_code == 404


def test_staff_do_not_subscribe(client, make_user, push_ready):
    therapist = make_user(Role.THERAPIST)
    response = subscribe(client, therapist, push_ready.new_device().subscription())
    assert response.status_code == 403


def test_a_public_push_service_endpoint_is_accepted(client, client_user, push_ready):
    body = push_ready.new_device().subscription() | {"endpoint": PUBLIC_ENDPOINT}
    assert subscribe(client, client_user, body).status_code == 201


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/push",
        "https://localhost/push",
        "http://fcm.googleapis.com/fcm/send/abc",  # plain http to a public host
        "https://fcm.googleapis.com:8443/fcm/send/abc",  # another port
        "https://evilfcm.googleapis.com.example.org/x",
        "https://user:pw@fcm.googleapis.com/fcm/send/abc",
        "https://[::1]/push",
        "ftp://fcm.googleapis.com/x",
        "not a url at all",
    ],
)
def test_an_endpoint_off_the_allowlist_is_refused(client, client_user, push_ready, endpoint):
    body = push_ready.new_device().subscription() | {"endpoint": endpoint}
    response = subscribe(client, client_user, body)
    assert response.status_code == 422
    assert "push service" in response.json["message"]


def test_a_loopback_entry_allows_only_that_port(client, client_user, push_ready):
    port = int(push_ready.host.rsplit(":", 1)[1])
    body = push_ready.new_device().subscription()
    body["endpoint"] = f"http://127.0.0.1:{port + 1}/push/x"
    assert subscribe(client, client_user, body).status_code == 422


def _with_keys(device: Device, **keys) -> dict:
    body = device.subscription()
    body["keys"] = body["keys"] | keys
    return body


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        ({"p256dh": b64e(b"\x04" + b"\x01" * 64)}, "P-256"),  # not on the curve
        ({"p256dh": b64e(b"\x05" * 65)}, "P-256"),
        ({"auth": b64e(b"\x00" * 15)}, "16-byte"),
        ({"auth": b64e(b"\x00" * 17)}, "16-byte"),
        ({"auth": "not base64!!"}, "base64url"),
    ],
)
def test_keys_must_be_a_p256_point_and_a_16_byte_secret(
    client, client_user, push_ready, keys, says
):
    response = subscribe(client, client_user, _with_keys(push_ready.new_device(), **keys))
    assert response.status_code == 422
    assert says in str(response.json)


def test_unknown_fields_and_missing_keys_are_422(client, client_user, push_ready):
    body = push_ready.new_device().subscription()
    assert subscribe(client, client_user, body | {"extra": 1}).status_code == 422
    del body["keys"]
    assert subscribe(client, client_user, body).status_code == 422


def test_preferences_change_and_quiet_hours_must_differ(client, client_user):
    changed = client.patch(
        "/api/v1/me/reminders",
        json={
            "enabled": False,
            "quiet_hours": {"start": "22:30", "end": "07:00"},
            "daily_time": "18:15",
            "name_exercise": True,
        },
        headers=client_user.headers,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["quiet_hours"] == {"start": "22:30", "end": "07:00"}
    assert changed.json["daily_time"] == "18:15" and changed.json["name_exercise"] is True
    same = client.patch(
        "/api/v1/me/reminders",
        json={"quiet_hours": {"start": "22:00", "end": "22:00"}},
        headers=client_user.headers,
    )
    assert same.status_code == 422
    assert "different times" in same.json["message"]
    bad = client.patch(
        "/api/v1/me/reminders", json={"daily_time": "25:00"}, headers=client_user.headers
    )
    assert bad.status_code == 422 and "HH:MM" in str(bad.json)


def test_turned_off_stays_off_when_another_device_subscribes(client, client_user, push_ready):
    client.patch("/api/v1/me/reminders", json={"enabled": False}, headers=client_user.headers)
    subscribe(client, client_user, push_ready.new_device().subscription())
    assert client.get("/api/v1/me/reminders", headers=client_user.headers).json["enabled"] is False


def test_the_export_has_devices_and_preferences_and_erasure_removes_them(
    client, client_user, push_ready, app
):
    made = subscribe(client, client_user, push_ready.new_device().subscription()).json
    export = client.get("/api/v1/me/export", headers=client_user.headers).json
    assert [s["id"] for s in export["push_subscriptions"]] == [made["id"]]
    assert "auth" not in export["push_subscriptions"][0]
    assert export["reminders"]["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    erased = client.delete(
        "/api/v1/me", json={"password": client_user.password}, headers=client_user.headers
    )
    assert erased.status_code == 204
    from sqlalchemy import func, select

    from api.extensions import db
    from api.models import PushSubscription, ReminderPreference

    with app.app_context():
        for table in (PushSubscription, ReminderPreference):
            assert db.session.scalar(select(func.count()).select_from(table)) == 0


def test_push_keys_prints_a_pair_the_server_accepts(runner, app, client, client_user, monkeypatch):
    result = runner.invoke(args=["push", "keys"])
    assert result.exit_code == 0, result.output
    lines = dict(
        line.split("=", 1) for line in result.output.splitlines() if line.startswith("INTERLUDE_")
    )
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", lines["INTERLUDE_VAPID_PRIVATE_KEY"])
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", lines["INTERLUDE_VAPID_SUBJECT"])
    response = client.get("/api/v1/push/public-key", headers=client_user.headers)
    assert response.status_code == 200
    assert response.json["public_key"] in result.output
