"""Forgot your password? In the app: ask for a link, read it from the outbox (the embedded
default), choose a new password, and sign in with it. axe on both screens; an invitation's
link fills in the code on the Therapists screen, also when the person signs in first."""

from __future__ import annotations

import email
import email.message
import email.policy
import re
import time
from pathlib import Path

from api.models import Role
from tests.e2e.conftest import new_email
from tests.e2e.test_accessibility import check

NEW = "a fresh long passphrase"


def mail_from_outbox(outbox: Path, to: str, seconds: float = 15) -> email.message.EmailMessage:
    """The newest mail to `to` in the outbox, waiting for the job runner."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml"), reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == to:
                return message  # type: ignore[return-value]
        time.sleep(0.1)
    raise AssertionError(f"no mail to {to} in {outbox}")


def plain_text(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def link_from_outbox(outbox: Path, to: str, seconds: float = 15) -> str:
    """The app link (its #/… part) in the newest mail to `to`, waiting for the job runner."""
    text = plain_text(mail_from_outbox(outbox, to, seconds))
    found = re.search(r"/(#/\S+)", text)
    assert found, text
    return found.group(1)


PHONE = {"viewport": {"width": 390, "height": 844}}


def test_forgot_password_through_to_signing_in_with_the_new_one(make_phone, app, make_user):
    phone = make_phone(**PHONE)
    person = make_user(email=new_email(), display_name="Noor")
    page = phone.open("#/signin")
    page.get_by_role("heading", name="Welcome back").wait_for()
    check(phone, "signin-forgot-link")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_role("heading", name="Forgot your password?").wait_for()
    check(phone, "forgot")
    page.get_by_label("Email").fill(person.email)
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_text("If this address has an account").wait_for()
    check(phone, "forgot-sent")

    fragment = link_from_outbox(Path(app.instance_path) / "outbox", person.email)
    assert fragment.startswith("#/reset?token=")
    page = phone.open(fragment)
    page.get_by_role("heading", name="Choose a new password").wait_for()
    check(phone, "reset")
    page.get_by_label("New password").fill("too short")
    page.get_by_role("button", name="Save my new password").click()
    page.get_by_text("Use a password of 12").wait_for()
    page.get_by_label("New password").fill(NEW)
    page.get_by_role("button", name="Save my new password").click()
    page.get_by_role("heading", name="Your new password is set").wait_for()
    check(phone, "reset-done")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Hello, Noor").wait_for()

    # The same link again: spent, and the screen says what to do.
    page = phone.open(fragment)
    page.get_by_label("New password").fill("another long passphrase")
    page.get_by_role("button", name="Save my new password").click()
    page.get_by_text("has expired or has been used already").wait_for()
    page.get_by_role("link", name="Ask for a new one").wait_for()


def test_an_invitation_link_fills_in_the_code_after_signing_up(phone, app, make_user):
    therapist = make_user(Role.THERAPIST, display_name="Dr. Okafor")
    code = app.test_client().post("/api/v1/invitations", headers=therapist.headers).json["code"]
    page = phone.open(f"#/therapists?code={code}")
    # Signed out: the welcome screen first, then back to the invitation.
    page.get_by_label("What should we call you?").fill("Sam")
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Password").fill("a long enough secret")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_text("Your invitation code is filled in").wait_for()
    assert page.get_by_label("Invitation code").input_value() == code
    page.get_by_role("button", name="Connect").click()
    page.get_by_role("heading", name="Dr. Okafor").wait_for()


def test_both_screens_pass_axe_in_the_dark_scheme_too(make_phone):
    phone = make_phone(color_scheme="dark", **PHONE)
    page = phone.open("#/forgot")
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_text("Enter the email address of your account.").wait_for()
    check(phone, "dark-forgot-errors")
    page = phone.open("#/reset?token=not-a-real-one")
    page.get_by_label("New password").fill("a long enough passphrase")
    page.get_by_role("button", name="Save my new password").click()
    page.get_by_role("link", name="Ask for a new one").wait_for()
    check(phone, "dark-reset-refused")
    page = phone.open("#/reset")
    page.get_by_text("This link is missing a part.").wait_for()
