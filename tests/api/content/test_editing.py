"""Editors validate and upload scripts and manage versions; nobody else may."""

from __future__ import annotations

import pytest

from api.models import Role

VALIDATE = "/api/v1/scripts/validate"
SCRIPTS = "/api/v1/scripts"


def test_validate_answers_warnings_and_estimated_durations(client, editor, script_text):
    response = client.post(
        VALIDATE, json={"source": script_text(lengths="[1, 2]")}, headers=editor.headers
    )
    assert response.status_code == 200
    assert response.json["durations"] == {"1": 60000, "2": 120000}
    assert response.json["warnings"] == []


def test_validate_reports_line_and_column(client, editor, script_text):
    source = script_text().replace("kind: mindfulness", "kind: yoga")
    response = client.post(VALIDATE, json={"source": source}, headers=editor.headers)
    assert response.status_code == 422
    problems = response.json["errors"]["json"]["source"]
    assert problems[0]["line"] == 3
    assert problems[0]["column"] >= 1
    assert "yoga" in problems[0]["message"]
    assert "line 3" in response.json["message"]


def test_validate_reports_yaml_syntax_errors_with_position(client, editor):
    response = client.post(
        VALIDATE, json={"source": "slug: [unclosed\ntitle: x\n"}, headers=editor.headers
    )
    assert response.status_code == 422
    assert response.json["errors"]["json"]["source"][0]["line"] >= 1


def test_a_length_that_cannot_fit_is_422_naming_it(client, editor, script_text):
    long_text = " ".join(["Breathe gently and notice how you feel."] * 20)
    source = script_text().replace("Welcome. Settle in for a moment.", long_text)
    response = client.post(VALIDATE, json={"source": source}, headers=editor.headers)
    assert response.status_code == 422
    assert "length 1" in response.json["message"]


def test_upload_creates_version_one_then_two(client, editor, script_text):
    first = client.post(SCRIPTS, json={"source": script_text()}, headers=editor.headers)
    assert first.status_code == 201
    assert first.json == {"slug": "tiny-pause", "version": 1, "status": "draft"}
    second = client.post(
        SCRIPTS, json={"source": script_text(title="Tiny, again")}, headers=editor.headers
    )
    assert second.json["version"] == 2


def test_an_invalid_script_creates_nothing(client, editor, script_text):
    source = script_text().replace("slug: tiny-pause", "slug: Not A Slug")
    response = client.post(SCRIPTS, json={"source": source}, headers=editor.headers)
    assert response.status_code == 422
    versions = client.get("/api/v1/exercises/Not A Slug/versions", headers=editor.headers)
    assert versions.status_code == 404


def test_versions_list_newest_first_with_status(client, editor, upload_script, script_text):
    upload_script(script_text())
    upload_script(script_text(title="Second"))
    response = client.get("/api/v1/exercises/tiny-pause/versions", headers=editor.headers)
    assert response.status_code == 200
    assert [(v["version"], v["status"]) for v in response.json] == [(2, "draft"), (1, "draft")]
    assert response.json[0]["title"] == "Second"
    assert "X-Pagination" in response.headers


def test_versions_of_an_unknown_exercise_is_404(client, editor):
    response = client.get("/api/v1/exercises/nothing-here/versions", headers=editor.headers)
    assert response.status_code == 404


def test_publishing_an_unrendered_version_is_409(client, editor, upload_script, script_text):
    upload_script(script_text())
    response = client.post(
        "/api/v1/exercises/tiny-pause/versions/1/publish", headers=editor.headers
    )
    assert response.status_code == 409
    assert "Render it first" in response.json["message"]


def test_unknown_version_is_404(client, editor, upload_script, script_text):
    upload_script(script_text())
    for path in ("publish", "render"):
        response = client.post(
            f"/api/v1/exercises/tiny-pause/versions/9/{path}", headers=editor.headers
        )
        assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.CLIENT, Role.THERAPIST])
def test_clients_and_therapists_may_not_edit(client, make_user, role, script_text):
    person = make_user(role)
    for method, path in (
        ("post", VALIDATE),
        ("post", SCRIPTS),
        ("get", "/api/v1/exercises/tiny-pause/versions"),
        ("post", "/api/v1/exercises/tiny-pause/versions/1/render"),
        ("post", "/api/v1/exercises/tiny-pause/versions/1/publish"),
    ):
        response = getattr(client, method)(
            path, json={"source": script_text()}, headers=person.headers
        )
        assert response.status_code == 403, (method, path)


def test_admins_may_edit(client, admin, script_text):
    response = client.post(SCRIPTS, json={"source": script_text()}, headers=admin.headers)
    assert response.status_code == 201


def test_anonymous_is_401(client, script_text):
    assert client.post(VALIDATE, json={"source": script_text()}).status_code == 401
