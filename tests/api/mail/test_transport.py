"""The transports against a real SMTP server on loopback: STARTTLS and TLS, signing in,
a permanent refusal, a server that is down or never answers; and the outbox folder."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import uuid
from pathlib import Path

import pytest

from api.services.mail import (
    MailDeferred,
    MailRefused,
    MailSettings,
    OutboxTransport,
    SmtpTransport,
    build_message,
    transport_from_url,
)
from tests.api.mail.conftest import parts
from tests.smtp import SmtpServer, free_port

SETTINGS = MailSettings(
    sender="Interlude <noreply@interlude.example>", public_url="https://app.example"
)


def a_message(to: str = "robin@example.org", **kwargs):
    return build_message(
        SETTINGS,
        to=to,
        subject="Hello",
        text="Plain words.",
        html="<p>Plain words.</p>",
        mail_id=uuid.UUID(int=7),
        **kwargs,
    )


def test_a_message_has_both_parts_a_message_id_and_a_date():
    message = a_message(from_name="Dr. Rivera")
    assert message["Message-ID"] == f"<{uuid.UUID(int=7)}@interlude.example>"
    assert message["Date"]
    assert message["From"] == '"Dr. Rivera via Interlude" <noreply@interlude.example>'
    assert parts(message) == ("Plain words.\n", "<p>Plain words.</p>\n")


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "smtps"])
def test_smtp_delivers_over_tls_after_signing_in(certificate, implicit_tls):
    server = SmtpServer(*certificate, implicit_tls=implicit_tls).start()
    try:
        SmtpTransport(server.url, timeout=5, tls_context=server.client_tls()).send(a_message())
    finally:
        server.stop()
    [received] = server.capture.messages
    assert received.recipients == ["robin@example.org"]
    assert received.message["Subject"] == "Hello"
    assert parts(received.message)[0] == "Plain words.\n"


def test_a_certificate_that_is_not_trusted_defers_the_mail(certificate):
    server = SmtpServer(*certificate).start()
    try:
        with pytest.raises(MailDeferred, match="could not be reached"):
            SmtpTransport(server.url, timeout=5).send(a_message())  # the system's trust store
    finally:
        server.stop()
    assert server.capture.messages == []


def test_a_refused_recipient_is_a_permanent_refusal(smtp_server):
    transport = SmtpTransport(smtp_server.url, timeout=5, tls_context=smtp_server.client_tls())
    with pytest.raises(MailRefused, match="550"):
        transport.send(a_message(to="nobody@refused.example.org"))


def test_a_wrong_password_defers_rather_than_drops(smtp_server):
    url = smtp_server.url.replace("mail-password", "wrong")
    transport = SmtpTransport(url, timeout=2, tls_context=smtp_server.client_tls())
    with pytest.raises(MailDeferred):
        transport.send(a_message())
    assert smtp_server.capture.messages == []


def test_a_server_that_is_down_defers_the_mail():
    transport = SmtpTransport(f"smtp://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(MailDeferred, match="could not be reached"):
        transport.send(a_message())


def test_a_server_that_never_answers_defers_after_the_timeout():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
        transport = SmtpTransport(f"smtp://127.0.0.1:{listener.getsockname()[1]}", timeout=0.5)
        with pytest.raises(MailDeferred):
            transport.send(a_message())
        for connection in accepted:
            connection.close()


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "ftp://x:1"])
def test_a_mail_url_of_the_wrong_shape_is_refused_with_the_shape_wanted(url, tmp_path):
    with pytest.raises(ValueError, match=r"smtp://user:password@host:587"):
        transport_from_url(url, outbox=tmp_path)


def test_without_a_mail_url_mail_goes_to_the_outbox(tmp_path: Path, mail_log):
    transport = transport_from_url("", outbox=tmp_path / "outbox")
    assert isinstance(transport, OutboxTransport)
    message = build_message(
        SETTINGS,
        to="robin@example.org",
        subject="Your link",
        text="https://app.example/#/reset?token=SECRET-TOKEN",
        html="<a href='https://app.example/#/reset?token=SECRET-TOKEN'>x</a>",
        mail_id=uuid.uuid4(),
    )
    transport.send(message)
    [written] = list((tmp_path / "outbox").glob("*.eml"))
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "robin@example.org"
    assert "SECRET-TOKEN" in parts(parsed)[0]  # type: ignore[arg-type]
    assert "written to the outbox" in mail_log.text
    assert "SECRET-TOKEN" not in mail_log.text
    assert "robin@example.org" not in mail_log.text
