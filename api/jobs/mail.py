"""Sending mail from the job runner: the "mail" job's handler, and the hook that hands the
mail jobs a request queued to the runner once the request's work is committed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask, Response

from api.extensions import db
from api.registry import app_services
from api.services import mail_queue
from api.services.jobs import JobFailed
from api.services.mail import MailSettings
from api.services.mail_texts import PASSWORD_RESET
from api.services.password_reset import prepare_reset_mail

if TYPE_CHECKING:  # the handler table in execute.py names run_mail_job
    from api.jobs.execute import JobContext


def mail_settings(config: Mapping[str, Any]) -> MailSettings:
    return MailSettings(sender=config["MAIL_FROM"], public_url=config["PUBLIC_URL"])


def run_mail_job(context: JobContext) -> None:
    """One attempt at the job's mail; a failure that may pass schedules the next attempt."""
    try:
        mail_id = uuid.UUID(str(context.job.payload.get("mail_id")))
    except ValueError:
        raise JobFailed("the mail job names no mail") from None
    outcome = mail_queue.deliver(
        context.session,
        context.services.mail,
        mail_settings(context.config),
        mail_id,
        preparers={PASSWORD_RESET: prepare_reset_mail},
        clock=context.services.clock,
    )
    if outcome.status == "deferred" and outcome.retry_in is not None:
        job_id = mail_queue.retry_job(context.session, mail_id)
        context.session.commit()
        context.services.jobs.submit_later(job_id, outcome.retry_in)
        raise JobFailed("the mail could not be sent yet; another attempt is scheduled")
    if outcome.status in ("refused", "given_up"):
        raise JobFailed(f"the mail was not sent ({outcome.status}); the log says why")


def submit_noted_mail() -> None:
    """Give the runner the mail jobs this request queued (its work is committed by now)."""
    job_ids = mail_queue.take_noted_jobs(db.session)
    runner = app_services().jobs
    for job_id in job_ids:
        runner.submit(job_id)


def init_mail(app: Flask) -> None:
    @app.after_request
    def send_queued_mail(response: Response) -> Response:
        submit_noted_mail()
        return response
