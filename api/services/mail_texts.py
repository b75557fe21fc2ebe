"""What each mail says, by kind: a subject, plain text, and the same as simple HTML.

Written plainly and warmly. Subjects are neutral: a mail may be seen by someone else (a shared
inbox, a lock screen), so no subject says anything about health or therapy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote

from api.services.mail import MailSettings

PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
SIGNUP_ATTEMPT = "signup_attempt"
ACCOUNT_ERASED = "account_erased"
LINK_MADE = "link_made"
LINK_ENDED = "link_ended"
INVITATION = "invitation"
TEST = "test"

RESET_MINUTES = 30
SIGN_OFF = "Interlude"


@dataclass(frozen=True)
class MailText:
    subject: str
    paragraphs: list[str]
    link: tuple[str, str] | None = None  # (label, url)
    code: str | None = None  # shown on a line of its own, easy to copy or read aloud
    after: list[str] = field(default_factory=list)
    from_name: str | None = None

    def plain(self) -> str:
        lines = [*self.paragraphs]
        if self.code:
            lines.append(f"    {self.code}")
        if self.link:
            lines.append(f"{self.link[0]}:\n{self.link[1]}")
        lines += [*self.after, SIGN_OFF]
        return "\n\n".join(lines) + "\n"

    def html(self) -> str:
        parts = [f"<p>{escape(p)}</p>" for p in self.paragraphs]
        if self.code:
            parts.append(
                f'<p style="font-size:1.3em;letter-spacing:.05em"><b>{escape(self.code)}</b></p>'
            )
        if self.link:
            label, url = self.link
            parts.append(f'<p><a href="{escape(url, quote=True)}">{escape(label)}</a></p>')
        parts += [f"<p>{escape(p)}</p>" for p in [*self.after, SIGN_OFF]]
        body = "\n".join(parts)
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(self.subject)}</title></head>"
            f'<body style="font-family:sans-serif;line-height:1.5;max-width:36em">\n{body}\n'
            "</body></html>\n"
        )


def _password_reset(s: MailSettings, p: Mapping[str, Any]) -> MailText:
    return MailText(
        subject="Choose a new password for Interlude",
        paragraphs=[
            "Someone asked to choose a new password for the Interlude account with this "
            "address. If it was you, open the link below and pick a new one.",
            f"The link works once, for {RESET_MINUTES} minutes.",
        ],
        link=("Choose a new password", s.link(f"reset?token={quote(p['token'])}")),
        after=["If it was not you, you can leave this mail be: your password stays as it is."],
    )


def _password_changed(s: MailSettings, p: Mapping[str, Any]) -> MailText:
    return MailText(
        subject="Your Interlude password was changed",
        paragraphs=[
            "The password of your Interlude account was just changed, and every device that "
            "was signed in has been signed out.",
            "If that was you, there is nothing more to do.",
        ],
        link=("If it was not you, choose a new password here", s.link("reset")),
    )


def _signup_attempt(s: MailSettings, p: Mapping[str, Any]) -> MailText:
    return MailText(
        subject="Signing up to Interlude with your address",
        paragraphs=[
            "Someone tried to create an Interlude account with this address, which already "
            "has one. Nothing was changed.",
            "If it was you: sign in with the password you chose before. If you do not "
            "remember it, you can choose a new one from the sign-in screen.",
        ],
        link=("Sign in", s.link("signin")),
        after=["If it was not you, you can leave this mail be."],
    )


def _account_erased(s: MailSettings, p: Mapping[str, Any]) -> MailText:
    return MailText(
        subject="Your Interlude account was erased",
        paragraphs=[
            "Your Interlude account and everything in it have been erased, as asked. "
            "This is the last mail you will get from us.",
            "Thank you for the time you spent with us. You are welcome back whenever you like.",
        ],
    )


def _link_made(s: MailSettings, p: Mapping[str, Any]) -> MailText:
    name = p["therapist"]
    return MailText(
        subject="A change to who can see your practice",
        paragraphs=[
            f"{name} can now see the practices you chose to share in Interlude.",
            "You can change what they see, or stop sharing, at any time in the app.",
        ],
        link=("See who you share with", s.link("therapists")),
        after=["If you did not do this, please change your password."],
    )


def _link_ended(s: MailSettings, p: Mapping[str, Any]) -> MailText:
    name = p["therapist"]
    return MailText(
        subject="A change to who can see your practice",
        paragraphs=[
            f"{name} can no longer see your practice in Interlude. What you recorded stays "
            "yours, in the app.",
        ],
        link=("See who you share with", s.link("therapists")),
    )


def _invitation(s: MailSettings, p: Mapping[str, Any]) -> MailText:
    name, code = p["therapist"], p["code"]
    return MailText(
        subject=f"An invitation from {name}",
        paragraphs=[
            "Hello,",
            f"{name} has invited you to Interlude, an app for short guided practices such as "
            "breathing and quiet moments. Joining lets them see the practices you choose to "
            "share — you decide what, and you can stop at any time.",
            "Your invitation code:",
        ],
        code=code,
        link=("Open the invitation", s.link(f"therapists?code={quote(code)}")),
        after=[
            "The code works once, for a week. If you were not expecting this, you can "
            "leave this mail be."
        ],
        from_name=name,
    )


def _test(s: MailSettings, p: Mapping[str, Any]) -> MailText:
    return MailText(
        subject="A test mail from Interlude",
        paragraphs=["This is a test. If you can read it, Interlude's mail settings work."],
        link=("Open Interlude", s.link("")),
    )


WRITERS: dict[str, Callable[[MailSettings, Mapping[str, Any]], MailText]] = {
    PASSWORD_RESET: _password_reset,
    PASSWORD_CHANGED: _password_changed,
    SIGNUP_ATTEMPT: _signup_attempt,
    ACCOUNT_ERASED: _account_erased,
    LINK_MADE: _link_made,
    LINK_ENDED: _link_ended,
    INVITATION: _invitation,
    TEST: _test,
}


def write_mail(settings: MailSettings, kind: str, params: Mapping[str, Any]) -> MailText:
    return WRITERS[kind](settings, params)
