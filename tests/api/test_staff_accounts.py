"""GET /admin/users and disabling staff accounts: a disabled account's tokens stop at once.
The last enabled admin can be neither disabled nor erased (DELETE /me)."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from api.extensions import db
from api.models import AuthSession, Role, User

USERS = "/api/v1/admin/users"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/me"


def disable(client, admin, person):
    return client.post(f"{USERS}/{person.id}/disable", headers=admin.headers)


def enable(client, admin, person):
    return client.post(f"{USERS}/{person.id}/enable", headers=admin.headers)


def erase(client, person):
    return client.delete(ME, json={"password": person.password}, headers=person.headers)


def every_row(app) -> dict[str, list[str]]:
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as connection:
            return {
                table.name: sorted(str(tuple(row)) for row in connection.execute(select(table)))
                for table in db.metadata.sorted_tables
            }


def enabled_admins(app) -> list[uuid.UUID]:
    with app.app_context():
        db.session.remove()
        return list(
            db.session.scalars(
                select(User.id).where(User.role == Role.ADMIN, User.disabled_at.is_(None))
            )
        )


def sign_in(client, person):
    return client.post(TOKEN, json={"email": person.email, "password": person.password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_admin_lists_staff_but_not_clients(client, admin, make_user):
    therapist = make_user(Role.THERAPIST, email="b-therapist@example.org")
    make_user(Role.EDITOR, email="a-editor@example.org")
    make_user(Role.CLIENT, email="c-client@example.org")
    response = client.get(USERS, headers=admin.headers)
    assert response.status_code == 200
    emails = [row["email"] for row in response.json]
    assert emails == sorted([admin.email, "a-editor@example.org", "b-therapist@example.org"])
    row = next(r for r in response.json if r["id"] == therapist.id)
    assert row["role"] == "therapist" and row["disabled_at"] is None
    assert "password" not in str(row)


def test_staff_list_filters_by_role_and_state(client, admin, make_user):
    editor = make_user(Role.EDITOR)
    make_user(Role.THERAPIST)
    disable(client, admin, editor)
    editors = client.get(USERS, query_string={"role": "editor"}, headers=admin.headers).json
    assert [r["id"] for r in editors] == [editor.id]
    off = client.get(USERS, query_string={"disabled": "true"}, headers=admin.headers).json
    assert [r["id"] for r in off] == [editor.id]
    bad = client.get(USERS, query_string={"role": "client"}, headers=admin.headers)
    assert bad.status_code == 422


@pytest.mark.parametrize("role", [Role.CLIENT, Role.THERAPIST, Role.EDITOR])
def test_only_admins_list_or_disable(client, make_user, role):
    caller, target = make_user(role), make_user(Role.EDITOR)
    assert client.get(USERS, headers=caller.headers).status_code == 403
    assert disable(client, caller, target).status_code == 403
    assert enable(client, caller, target).status_code == 403
    assert client.get(ME, headers=target.headers).status_code == 200


def test_anonymous_gets_401(client, make_user):
    target = make_user(Role.EDITOR)
    assert client.get(USERS).status_code == 401
    assert client.post(f"{USERS}/{target.id}/disable").status_code == 401


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.EDITOR, Role.ADMIN])
def test_a_disabled_accounts_access_token_stops_at_once(client, admin, make_user, role):
    person = make_user(role)
    assert client.get(ME, headers=person.headers).status_code == 200
    response = disable(client, admin, person)
    assert response.status_code == 200
    assert response.json["disabled_at"] is not None
    refused = client.get(ME, headers=person.headers)
    assert refused.status_code == 401
    assert client.get(ME, headers=admin.headers).status_code == 200


def test_a_disabled_account_cannot_refresh_or_sign_in(client, admin, make_user):
    person = make_user(Role.EDITOR)
    pair = sign_in(client, person).json
    disable(client, admin, person)
    assert client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}).status_code == 401
    assert client.get(ME, headers=bearer(pair["access_token"])).status_code == 401
    refused = sign_in(client, person)
    assert refused.status_code == 401
    assert "disabled" in refused.json["message"]


def test_a_wrong_password_for_a_disabled_account_says_nothing_about_it(client, admin, make_user):
    person = make_user(Role.EDITOR)
    disable(client, admin, person)
    refused = client.post(TOKEN, json={"email": person.email, "password": "not the password!"})
    assert refused.status_code == 401
    assert "disabled" not in refused.json["message"]


def test_disabling_revokes_every_stored_session(client, app, admin, make_user):
    person = make_user(Role.THERAPIST)
    sign_in(client, person)
    disable(client, admin, person)
    with app.app_context():
        pairs = db.session.scalars(
            select(AuthSession).where(AuthSession.user_id == uuid.UUID(person.id))
        ).all()
        assert pairs and all(pair.revoked_at is not None for pair in pairs)


def test_a_disabled_editor_sees_no_drafts_in_the_catalog(client, admin, make_user, make_exercise):
    editor = make_user(Role.EDITOR)
    make_exercise(slug="draft-only", published=False)
    assert client.get("/api/v1/exercises/draft-only", headers=editor.headers).status_code == 200
    disable(client, admin, editor)
    assert client.get("/api/v1/exercises/draft-only", headers=editor.headers).status_code == 404


def test_enable_lets_the_account_sign_in_again_but_old_tokens_stay_dead(client, admin, make_user):
    person = make_user(Role.EDITOR)
    disable(client, admin, person)
    response = enable(client, admin, person)
    assert response.status_code == 200 and response.json["disabled_at"] is None
    assert client.get(ME, headers=person.headers).status_code == 401
    assert sign_in(client, person).status_code == 200


def test_disabling_twice_is_harmless(client, admin, make_user):
    person = make_user(Role.EDITOR)
    first = disable(client, admin, person).json["disabled_at"]
    again = disable(client, admin, person)
    assert again.status_code == 200 and again.json["disabled_at"] == first


def test_an_admin_cannot_disable_themselves(client, admin, make_user):
    make_user(Role.ADMIN)
    response = disable(client, admin, admin)
    assert response.status_code == 409
    assert "your own" in response.json["message"]
    assert client.get(ME, headers=admin.headers).status_code == 200


def test_the_last_enabled_admin_cannot_be_disabled(client, app, admin, make_user):
    other = make_user(Role.ADMIN)
    assert disable(client, other, admin).status_code == 200
    # `other` is now the only enabled admin; a disabled admin's token no longer works either.
    assert disable(client, admin, other).status_code == 401
    third = make_user(Role.ADMIN)
    assert disable(client, third, other).status_code == 200
    response = client.post(f"{USERS}/{third.id}/disable", headers=third.headers)
    assert response.status_code == 409


@pytest.mark.parametrize("target", ["client", "unknown"])
def test_clients_and_unknown_ids_are_404(client, admin, make_user, target):
    person = make_user(Role.CLIENT)
    user_id = person.id if target == "client" else "00000000-0000-4000-8000-000000000000"
    response = client.post(f"{USERS}/{user_id}/disable", headers=admin.headers)
    assert response.status_code == 404
    assert client.get(ME, headers=person.headers).status_code == 200


def test_the_last_enabled_admin_cannot_erase_their_account_and_keeps_everything(
    client, app, admin, make_user
):
    other = make_user(Role.ADMIN)
    assert disable(client, admin, other).status_code == 200  # a disabled admin does not count
    before = every_row(app)
    response = erase(client, admin)
    assert response.status_code == 409
    assert "last enabled admin" in response.json["message"]
    assert "create another admin" in response.json["message"]
    assert "Nothing was erased" in response.json["message"]
    assert every_row(app) == before
    assert client.get(ME, headers=admin.headers).status_code == 200
    assert sign_in(client, admin).status_code == 200


def test_an_admin_can_erase_their_account_while_another_enabled_admin_stays(
    client, app, admin, make_user
):
    other = make_user(Role.ADMIN)
    assert erase(client, admin).status_code == 204
    assert client.get(ME, headers=admin.headers).status_code == 401
    assert enabled_admins(app) == [uuid.UUID(other.id)]
    staff = client.get(USERS, headers=other.headers).json
    assert [row["id"] for row in staff] == [other.id]


def test_a_wrong_password_from_the_last_admin_is_told_as_for_anyone(client, admin):
    response = client.delete(ME, json={"password": "not the password!"}, headers=admin.headers)
    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]


def test_the_last_two_admins_disabling_each_other_at_once_leave_one(app, make_user):
    first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def act(caller, target) -> None:
        client = app.test_client()
        barrier.wait()
        codes.append(
            client.post(f"{USERS}/{target.id}/disable", headers=caller.headers).status_code
        )

    threads = [
        threading.Thread(target=act, args=(first, second)),
        threading.Thread(target=act, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) in ([200, 401], [200, 409])
    with app.app_context():
        enabled = db.session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.disabled_at.is_(None))
        ).all()
        assert len(enabled) == 1


@pytest.mark.parametrize("second_act", ["erases their own account", "disables the first"])
def test_the_last_two_admins_leaving_at_once_leave_one(app, make_user, second_act):
    """The first admin erases their account while, at the same moment, the second erases
    theirs, or the first (in another tab) disables the second: one of the two is refused."""
    first, second = make_user(Role.ADMIN), make_user(Role.ADMIN)
    barrier = threading.Barrier(2)
    codes: dict[str, int] = {}

    def erase_first() -> None:
        client = app.test_client()
        barrier.wait()
        codes["erase"] = erase(client, first).status_code

    def second_leaves() -> None:
        client = app.test_client()
        barrier.wait()
        if second_act == "erases their own account":
            codes["second"] = erase(client, second).status_code
        else:
            codes["second"] = disable(client, first, second).status_code

    threads = [threading.Thread(target=erase_first), threading.Thread(target=second_leaves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(enabled_admins(app)) == 1
    succeeded = [act for act, code in codes.items() if code in (200, 204)]
    assert len(succeeded) == 1, codes
    assert all(code in (200, 204, 401, 409) for code in codes.values()), codes


def test_refreshes_racing_a_disable_mint_no_working_token(app, admin, make_user):
    """Each round: an editor's device refreshes while the admin disables the editor. Whatever
    the order, no token obtained works afterwards and no session is left unrevoked."""
    for _round in range(5):
        editor = make_user(Role.EDITOR)
        pair = sign_in(app.test_client(), editor).json
        barrier = threading.Barrier(2)
        minted: list[str] = []

        def refresh(pair=pair, barrier=barrier, minted=minted) -> None:
            client = app.test_client()
            barrier.wait()
            answer = client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
            if answer.status_code == 200:
                minted.append(answer.json["access_token"])

        def disable_now(editor=editor, barrier=barrier) -> None:
            client = app.test_client()
            barrier.wait()
            assert disable(client, admin, editor).status_code == 200

        threads = [threading.Thread(target=refresh), threading.Thread(target=disable_now)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        client = app.test_client()
        for token in minted:
            assert client.get(ME, headers=bearer(token)).status_code == 401
        with app.app_context():
            open_pairs = db.session.scalars(
                select(AuthSession).where(
                    AuthSession.user_id == uuid.UUID(editor.id), AuthSession.revoked_at.is_(None)
                )
            ).all()
            assert open_pairs == []
