"""Sign-up in the app: register (which answers alike for any address) and then sign in. A new
address reaches Today; an address that has an account, with another password, is told to
sign in instead, and the account is left as it was."""

from __future__ import annotations

from tests.e2e.conftest import new_email, sign_up


def test_sign_up_reaches_today(phone):
    page = phone.open()
    sign_up(page, new_email(), name="Ana")
    page.get_by_role("link", name="Library").wait_for()


def test_signing_up_with_a_taken_address_says_to_sign_in(phone, make_user):
    taken = make_user(email=new_email(), password="the owner's own secret")
    page = phone.open()
    page.get_by_label("What should we call you?").fill("Someone")
    page.get_by_label("Email").fill(taken.email)
    page.get_by_label("Password").fill("a different long secret")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_text("This email may already have an account: try signing in instead.").wait_for()
    response = phone.page.request.post(
        f"{phone.server.url}/api/v1/auth/token",
        data={"email": taken.email, "password": "the owner's own secret"},
    )
    assert response.status == 200
