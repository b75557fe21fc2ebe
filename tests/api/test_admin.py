"""POST /admin/users and `flask users create`: staff accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.models import Role, User

URL = "/api/v1/admin/users"


def body(**overrides):
    return {
        "email": "therapist@clinic.example",
        "password": "a long enough secret",
        "role": "therapist",
        "display_name": "Dr. Lee",
        **overrides,
    }


@pytest.mark.parametrize("role", ["therapist", "editor", "admin", "client"])
def test_admin_creates_accounts_of_each_role(client, admin, role):
    response = client.post(URL, json=body(role=role), headers=admin.headers)
    assert response.status_code == 201
    assert response.json["role"] == role
    assert response.json["timezone"] == "UTC"


def test_created_staff_can_sign_in(client, admin):
    client.post(URL, json=body(), headers=admin.headers)
    response = client.post(
        "/api/v1/auth/token",
        json={"email": "therapist@clinic.example", "password": "a long enough secret"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.CLIENT, Role.THERAPIST, Role.EDITOR])
def test_other_roles_may_not_create_accounts(client, make_user, app, role):
    caller = make_user(role)
    response = client.post(URL, json=body(), headers=caller.headers)
    assert response.status_code == 403
    assert "admin" in response.json["message"]
    with app.app_context():
        assert (
            db.session.scalar(select(User).where(User.email == "therapist@clinic.example")) is None
        )


def test_anonymous_is_401(client):
    assert client.post(URL, json=body()).status_code == 401


def test_unauthenticated_bad_body_is_still_401(client):
    assert client.post(URL, json={"nonsense": 1}).status_code == 401


def test_duplicate_email_is_409(client, admin):
    assert client.post(URL, json=body(), headers=admin.headers).status_code == 201
    assert client.post(URL, json=body(), headers=admin.headers).status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "superuser"}, "role"),
        ({"password": "short"}, "password"),
        ({"email": "x"}, "email"),
    ],
)
def test_bad_staff_account_is_422(client, admin, change, field):
    response = client.post(URL, json=body(**change), headers=admin.headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_cli_creates_the_first_admin(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Boss@Clinic.example",
            "--role",
            "admin",
            "--password",
            "a long enough secret",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created admin boss@clinic.example" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "boss@clinic.example"))
        assert user.role is Role.ADMIN


def test_cli_prompts_for_the_password_when_left_out(runner, app):
    result = runner.invoke(
        args=["users", "create", "--email", "t@clinic.example", "--role", "therapist"],
        input="a long enough secret\na long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "created therapist" in result.output


def test_cli_refuses_a_short_password_and_a_taken_email(runner, make_user):
    short = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "t@clinic.example",
            "--role",
            "editor",
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0
    assert "12" in short.output
    existing = make_user(Role.EDITOR)
    taken = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            existing.email,
            "--role",
            "editor",
            "--password",
            "a long enough secret",
        ]
    )
    assert taken.exit_code != 0
    assert "already exists" in taken.output


def test_cli_refuses_an_unknown_timezone(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "t@clinic.example",
            "--role",
            "editor",
            "--password",
            "a long enough secret",
            "--timezone",
            "Mars/Base",
        ]
    )
    assert result.exit_code != 0
    assert "Mars/Base" in result.output


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--email", "notanemail", "email"),
        ("--email", "t\x00@clinic.example", "email"),
        ("--display-name", "Tess\x07", "display_name"),
        ("--timezone", "localtime", "timezone"),
    ],
)
def test_cli_checks_what_it_is_given_as_the_api_does(runner, app, option, value, said):
    args = ["users", "create", "--email", "t@clinic.example", "--role", "editor"]
    args += ["--password", "a long enough secret", option, value]
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert f"Please fix: {said}" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("role", "said"), [(Role.CLIENT, "you are a client"), (Role.EDITOR, "you are an editor")]
)
def test_a_forbidden_role_is_named_with_the_right_article(client, make_user, role, said):
    response = client.post(URL, json=body(), headers=make_user(role).headers)
    assert response.json["message"] == f"This needs an admin; {said}."


def test_a_therapist_on_an_editors_operation_is_told_who_may(client, make_user):
    therapist = make_user(Role.THERAPIST)
    response = client.post(
        "/api/v1/scripts/validate", json={"source": "x"}, headers=therapist.headers
    )
    assert response.json["message"] == "This needs an editor or an admin; you are a therapist."
