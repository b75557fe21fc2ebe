"""Fixtures for mail: a real SMTP server on loopback (aiosmtpd) that the app sends through,
and the outbox folder of the embedded default."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask

from api.services.mail import SmtpTransport
from tests.api.care.conftest import invite, link, linked, therapist  # noqa: F401  (fixtures)
from tests.conftest import swapped_services
from tests.smtp import SmtpServer, make_certificate


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = SmtpServer(*certificate).start()
    yield server
    server.stop()


@pytest.fixture
def smtp(app: Flask, smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    """The app sends its mail to `smtp_server` (STARTTLS, signed in)."""
    transport = SmtpTransport(smtp_server.url, timeout=5, tls_context=smtp_server.client_tls())
    with swapped_services(app, mail=transport):
        yield smtp_server


@pytest.fixture
def outbox(app: Flask) -> Iterator[Path]:
    folder = Path(app.instance_path) / "outbox"
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML of a message (line ends as "\n", as SMTP's are CRLF)."""
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return tuple(p.get_content().replace("\r\n", "\n") for p in (plain, html))  # type: ignore[return-value]


def link_in(message: EmailMessage) -> str:
    """The app link in a message's plain text."""
    found = re.search(r"https?://\S+/#/\S+", parts(message)[0])
    assert found, parts(message)[0]
    return found.group(0)


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def mail_log() -> Iterator[LogLines]:
    """What the app logs about mail (the "interlude" loggers do not propagate to caplog)."""
    logger = logging.getLogger("interlude.mail")
    handler, level = LogLines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)
