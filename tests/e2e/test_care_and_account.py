"""Scenario 3: accept an invitation, limit sharing, see a therapist's look in the access log,
change what is shared, end the link. Scenario 4: export and erase the account."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from api.extensions import db
from api.models import CareLink, Role, User
from tests.e2e.conftest import PASSWORD, new_email, sign_up


def user_id(app, email: str) -> str | None:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        return str(found) if found else None


def the_link(app) -> CareLink | None:
    with app.app_context():
        return db.session.scalar(select(CareLink))


def test_a_client_links_with_a_therapist_limits_sharing_and_ends_it(phone, app, make_user):
    therapist = make_user(Role.THERAPIST, display_name="Dr. Okafor")
    api = app.test_client()
    code = api.post("/api/v1/invitations", headers=therapist.headers).json["code"]
    page = phone.open()
    email = new_email()
    sign_up(page, email)
    page.get_by_role("link", name="Therapists").click()
    page.get_by_label("Invitation code").fill("not-a-real-code")
    page.get_by_role("button", name="Connect").click()
    page.get_by_text("This code is not valid any more").wait_for()
    page.get_by_label("Invitation code").fill(code)
    page.get_by_label("My mood ratings").check()
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("heading", name="Dr. Okafor").wait_for()
    link = the_link(app)
    assert (link.share_mood, link.share_notes, link.share_history) == (True, False, False)

    client_id = user_id(app, email)
    assert (
        api.get(f"/api/v1/clients/{client_id}/practices", headers=therapist.headers).status_code
        == 200
    )
    page.reload()
    page.get_by_text("looked at your practices").wait_for()
    phone.shoot("therapists")

    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Dr. Okafor"))
    card.get_by_label("My mood ratings").uncheck()
    card.get_by_label("Share my earlier practices").check()
    card.get_by_role("button", name="Save changes").click()
    page.get_by_text("Saved. This applies at once to everything they can see.").wait_for()
    link = the_link(app)
    assert (link.share_mood, link.share_history) == (False, True)

    card.get_by_role("button", name="End link").click()
    page.get_by_role("button", name="Yes, end the link").click()
    page.get_by_role("heading", name="Dr. Okafor").wait_for(state="detached")
    assert api.get(f"/api/v1/clients/{client_id}", headers=therapist.headers).status_code == 404


def test_a_client_exports_and_erases_the_account(phone, app):
    page = phone.open()
    email = new_email()
    sign_up(page, email)
    page.get_by_role("link", name="Account").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    document = json.loads(Path(download.value.path()).read_text())
    assert email in json.dumps(document)
    phone.shoot("account")

    page.get_by_label("Password", exact=True).fill("not my password at all")
    page.get_by_role("button", name="Erase my account").click()
    page.get_by_text("The password is not right; nothing was erased.").wait_for()
    assert user_id(app, email) is not None
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Erase my account").click()
    page.get_by_text("Your account and everything in it has been erased.").wait_for()
    assert user_id(app, email) is None
    assert page.evaluate("localStorage.getItem('interlude.profile')") is None
