"""Mail: building a message, and the two ways it leaves — an outbox folder or SMTP.

`INTERLUDE_MAIL_URL` picks the transport:

- unset (the embedded default): each message is written as an `.eml` file into
  `instance/outbox/`; the log says a mail was written, never what it says (links, codes);
- `smtp://user:password@host:587`: SMTP with STARTTLS (refused if the server does not offer it);
- `smtps://user:password@host:465`: SMTP over TLS from the first byte.

A transport raises `MailDeferred` for what may pass (the server is down, slow, or answers 4xx)
and `MailRefused` for a permanent refusal (5xx): the queue (mail_queue.py) retries the first
with backoff and logs the second. Nothing here knows Flask or the database.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

log = logging.getLogger("interlude.mail")

DEFAULT_TIMEOUT_SECONDS = 20.0


class MailDeferred(Exception):
    """Not sent this time; trying again later may work."""


class MailRefused(Exception):
    """The server refused the message for good (a 5xx answer)."""


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message on, or raise MailDeferred / MailRefused."""

    def describe(self) -> str:
        """Where mail goes, for people (no password)."""


@dataclass(frozen=True)
class MailSettings:
    """What every mail needs: who it is from and where the app's links point."""

    sender: str  # an address, or "Name <address>"
    public_url: str  # the app's address, e.g. https://interlude.example.org

    def link(self, fragment: str) -> str:
        return f"{self.public_url.rstrip('/')}/#/{fragment.lstrip('/')}"

    def from_header(self, display_name: str | None = None) -> str:
        """The From header; with `display_name`, "Name via Interlude" on our own address (a
        mail never claims to come from a person's own address)."""
        name, address = parseaddr(self.sender)
        if display_name:
            return formataddr((f"{display_name} via Interlude", address))
        return formataddr((name or "Interlude", address))


def build_message(
    settings: MailSettings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    mail_id: uuid.UUID,
    from_name: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """A plain-text mail with an HTML alternative. The Message-ID comes from the pending
    mail's id, so a retried mail keeps the same one."""
    message = EmailMessage()
    message["From"] = settings.from_header(from_name)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "interlude.invalid"
    message["Message-ID"] = f"<{mail_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class OutboxTransport:
    """Writes each mail as an .eml file into a folder (the embedded default)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(message.as_bytes())
        os.replace(partial, self.directory / name)  # readers never see half a file
        log.info("a mail was written to the outbox: %s", name)

    def describe(self) -> str:
        return f"the outbox folder {self.directory}"


class SmtpTransport:
    """SMTP with STARTTLS (smtp://) or implicit TLS (smtps://), one connection a message."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                f"INTERLUDE_MAIL_URL must look like smtp://user:password@host:587 (STARTTLS) "
                f"or smtps://user:password@host:465, not {parts.scheme or 'no scheme'}://…"
            )
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self.tls_context = tls_context or ssl.create_default_context()

    def describe(self) -> str:
        mode = "TLS" if self.implicit_tls else "STARTTLS"
        return f"the SMTP server {self.host}:{self.port} ({mode})"

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if all(code >= 500 for code in codes):
                raise MailRefused(f"the recipient was refused ({codes[0]})") from None
            raise MailDeferred(f"the recipient was not accepted yet ({codes[0]})") from None
        except smtplib.SMTPAuthenticationError as error:
            # A setting to fix, not a message to drop: keep it and try again.
            raise MailDeferred(f"the SMTP server refused the sign-in ({error.smtp_code})") from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                raise MailRefused(
                    f"the SMTP server refused the message ({error.smtp_code})"
                ) from None
            raise MailDeferred(f"the SMTP server said to try later ({error.smtp_code})") from None
        except (smtplib.SMTPException, OSError) as error:  # down, slow, TLS failed
            raise MailDeferred(f"the SMTP server could not be reached: {error}") from None

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.tls_context
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailDeferred("the SMTP server does not offer STARTTLS; nothing was sent")
            smtp.starttls(context=self.tls_context)
            smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp


def transport_from_url(
    url: str, *, outbox: Path, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> MailTransport:
    """The transport INTERLUDE_MAIL_URL names; empty: the outbox folder."""
    if not url.strip():
        return OutboxTransport(outbox)
    return SmtpTransport(url.strip(), timeout=timeout)
