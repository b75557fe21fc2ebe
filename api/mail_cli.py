"""`flask --app api mail ...`: send a test mail; run the mail that is due."""

from __future__ import annotations

import uuid

import click
from flask import current_app
from flask.cli import AppGroup

from api.extensions import db
from api.jobs.mail import mail_settings
from api.registry import app_services
from api.services import mail_queue
from api.services.mail import MailDeferred, MailRefused, build_message
from api.services.mail_texts import TEST, write_mail

mail = AppGroup("mail", help="Mail: a test message, and mail waiting to be sent.")


@mail.command("test")
@click.option("--to", "to", required=True, help="The address to send the test mail to.")
def send_test(to: str) -> None:
    """Send a test mail now, through the configured transport, and say how it went."""
    services = app_services()
    settings = mail_settings(current_app.config)
    text = write_mail(settings, TEST, {})
    message = build_message(
        settings,
        to=to,
        subject=text.subject,
        text=text.plain(),
        html=text.html(),
        mail_id=uuid.uuid4(),
    )
    try:
        services.mail.send(message)
    except (MailDeferred, MailRefused) as error:
        raise click.ClickException(f"Not sent: {error}") from None
    click.echo(f"Sent a test mail to {to} through {services.mail.describe()}.")


@mail.command("where")
def where() -> None:
    """Say where mail goes (`make run` prints it)."""
    click.echo(f"Mail: {app_services().mail.describe()} (INTERLUDE_MAIL_URL sets a server).")


@mail.command("send-due")
def send_due() -> None:
    """Try every mail that is due again now (after a restart, or from a cron)."""
    job_ids = mail_queue.requeue_due(db.session, clock=app_services().clock)
    db.session.commit()
    runner = app_services().jobs
    for job_id in job_ids:
        runner.submit(job_id)
    click.echo(f"{len(job_ids)} mail(s) handed to the job runner.")
