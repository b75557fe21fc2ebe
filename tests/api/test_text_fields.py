"""Every text a person or device sends refuses control characters (other than tabs and line
breaks in multi-line text) and lone surrogates with a 422 that says which character, on
SQLite and PostgreSQL alike (PostgreSQL cannot store NUL, so this was a 500 there)."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from marshmallow import Schema, fields, validate

from api.models import Role
from api.schemas.fields import Text

BAD = ["\x00", "\x07", "\x1b[31m", "\ud800"]
PRACTICE = {"started_at": "2026-11-21T07:30:00+00:00", "duration_seconds": 60, "completed": True}


def input_schemas(app: Flask) -> list[tuple[str, Schema]]:
    """Every schema a view loads a body or a query from, as flask-smorest recorded it."""
    found = []
    for endpoint, view in app.view_functions.items():
        view_class = getattr(view, "view_class", None)
        for method in getattr(view_class, "methods", None) or ():
            func = getattr(view_class, method.lower())
            arguments = getattr(func, "_apidoc", {}).get("arguments", {})
            for parameter in arguments.get("parameters", []):
                schema = parameter["schema"]
                found.append(
                    (f"{method} {endpoint}", schema() if isinstance(schema, type) else schema)
                )
    return found


def string_fields(schema: Schema, path: str) -> list[tuple[str, fields.Field]]:
    out: list[tuple[str, fields.Field]] = []
    for name, field in schema.fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            out += string_fields(inner.schema, f"{path}.{name}")
        elif isinstance(inner, fields.String):
            out.append((f"{path}.{name}", inner))
    return out


def test_every_text_input_is_a_text_field(app):
    loose = [
        where
        for operation, schema in input_schemas(app)
        for where, field in string_fields(schema, operation)
        # Passwords are hashed, never stored or shown: any character may be part of one; a
        # choice from a list cannot carry a control character.
        if not isinstance(field, Text)
        and "password" not in where
        and not any(isinstance(check, validate.OneOf) for check in field.validators)
    ]
    assert input_schemas(app), "no input schemas found: the walk above is broken"
    assert loose == []


@pytest.mark.parametrize("bad", BAD)
def test_a_display_name_with_a_control_character_is_422(client, client_user, bad):
    response = client.patch(
        "/api/v1/me", json={"display_name": f"Sam{bad}"}, headers=client_user.headers
    )
    assert response.status_code == 422
    assert "display_name" in response.json["errors"]["json"]
    assert "U+" in response.json["message"]


@pytest.mark.parametrize("bad", BAD)
def test_a_practice_note_or_exercise_with_a_control_character_is_422(client, client_user, bad):
    url = f"/api/v1/me/practices/{uuid.uuid4()}"
    note = client.put(
        url, json={**PRACTICE, "exercise": "calm", "note": f"a{bad}"}, headers=client_user.headers
    )
    assert note.status_code == 422
    assert "note" in note.json["errors"]["json"]
    exercise = client.put(
        url, json={**PRACTICE, "exercise": f"calm{bad}"}, headers=client_user.headers
    )
    assert exercise.status_code == 422
    assert "exercise" in exercise.json["errors"]["json"]


def test_a_sync_item_with_nul_is_invalid_and_the_others_are_answered(client, client_user):
    items = [
        {**PRACTICE, "id": str(uuid.uuid4()), "exercise": "calm\x00"},
        {**PRACTICE, "id": str(uuid.uuid4()), "exercise": "calm", "note": "a\x00b"},
        {**PRACTICE, "id": str(uuid.uuid4()), "exercise": "no-such-exercise"},
    ]
    response = client.post(
        "/api/v1/me/practices/sync", json={"practices": items}, headers=client_user.headers
    )
    assert response.status_code == 200
    results = response.json["results"]
    assert [r["status"] for r in results[:2]] == ["invalid", "invalid"]
    assert "exercise" in results[0]["errors"]
    assert "note" in results[1]["errors"]
    assert results[2]["id"] == items[2]["id"]


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("post", "/api/v1/auth/token", {"json": {"email": "a\x00@b.org", "password": "x"}}),
        ("post", "/api/v1/auth/refresh", {"json": {"refresh_token": "a\x00"}}),
        ("get", "/api/v1/exercises?q=calm%00", {}),
        ("get", "/api/v1/exercises?language=en%00", {}),
    ],
)
def test_public_text_inputs_refuse_nul(client, method, url, kwargs):
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 422, response.json


def test_my_practices_filter_refuses_nul(client, client_user):
    response = client.get("/api/v1/me/practices?exercise=calm%00", headers=client_user.headers)
    assert response.status_code == 422


def test_a_script_with_nul_is_422_and_one_with_crlf_lines_is_read(client, make_user):
    editor = make_user(Role.EDITOR)
    nul = client.post(
        "/api/v1/scripts/validate", json={"source": "slug: a\x00"}, headers=editor.headers
    )
    assert nul.status_code == 422
    assert "source" in nul.json["errors"]["json"]
    crlf = client.post(
        "/api/v1/scripts/validate",
        json={"source": "slug: a\r\ntitle: b\r\n"},
        headers=editor.headers,
    )
    assert "U+000D" not in crlf.json["message"]  # it reached the script's own checks
    assert "missing required key" in crlf.json["message"]


def test_tabs_and_line_breaks_are_kept_in_multi_line_text():
    text = Text(multiline=True)
    assert text.deserialize("one\ttwo\nthree\r\nfour") == "one\ttwo\nthree\r\nfour"
    assert Text().deserialize("Sam Smith ✓ 😀") == "Sam Smith ✓ 😀"
