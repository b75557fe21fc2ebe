"""Mail waits as a row and is sent by the job runner: sent mail is not kept, a server that is
down keeps it for later with backoff, a permanent refusal drops it (and says so in the log),
and `flask mail send-due` / `flask mail test` work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from api.extensions import db
from api.jobs.mail import submit_noted_mail
from api.models import Job, JobStatus, PendingMail
from api.services import mail_queue
from api.services.mail import SmtpTransport
from api.services.mail_texts import TEST
from tests.api.mail.conftest import parts
from tests.api.practices.conftest import FrozenClock
from tests.conftest import swapped_services
from tests.smtp import SmtpServer, free_port


def queue_test_mail(app, to="robin@example.org"):
    with app.app_context():
        mail_queue.queue_mail(db.session, kind=TEST, to=to, user_id=None)
        db.session.commit()
        submit_noted_mail()


def pending(app) -> list[PendingMail]:
    with app.app_context():
        return list(db.session.scalars(select(PendingMail)))


def test_a_queued_mail_is_sent_by_the_job_runner_and_not_kept(app, smtp):
    queue_test_mail(app)
    [received] = smtp.capture.messages
    assert received.recipients == ["robin@example.org"]
    assert received.message["Subject"] == "A test mail from Interlude"
    assert received.message["From"] == "Interlude <noreply@localhost>"
    plain, html = parts(received.message)
    assert "http://127.0.0.1:8000/#/" in plain and "<p>" in html
    assert pending(app) == []
    with app.app_context():
        assert (
            db.session.scalar(select(Job.status).where(Job.kind == "mail")) == JobStatus.SUCCEEDED
        )


def test_a_mail_is_not_sent_when_its_transaction_rolls_back(app, smtp):
    with app.app_context():
        mail_queue.queue_mail(db.session, kind=TEST, to="robin@example.org", user_id=None)
        db.session.rollback()
        submit_noted_mail()
    assert smtp.capture.messages == []


def test_a_server_that_is_down_gets_the_mail_once_it_is_back(app, certificate):
    port = free_port()
    server = SmtpServer(*certificate, port=port)
    transport = SmtpTransport(server.url, timeout=2, tls_context=server.client_tls())
    clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=1))
    with swapped_services(app, mail=transport, clock=clock):
        queue_test_mail(app)
        [waiting] = pending(app)
        assert waiting.attempts == 1
        assert waiting.next_attempt_at == clock.now + timedelta(seconds=30)
        assert "could not be reached" in waiting.last_error
        server.start()
        try:
            runner = app.test_cli_runner()
            assert "0 mail(s)" in runner.invoke(args=["mail", "send-due"]).output  # not due yet
            clock.now += timedelta(seconds=31)
            assert "1 mail(s)" in runner.invoke(args=["mail", "send-due"]).output
        finally:
            server.stop()
    assert [m.recipients for m in server.capture.messages] == [["robin@example.org"]]
    assert pending(app) == []


def test_retries_back_off_up_to_an_hour():
    delays = [mail_queue.retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 3600 and delays == sorted(delays)


def test_a_permanent_refusal_is_logged_and_the_mail_dropped(app, smtp, mail_log):
    queue_test_mail(app, to="nobody@refused.example.org")
    assert smtp.capture.messages == []
    assert pending(app) == []
    assert "refused and will not be sent" in mail_log.text
    assert "nobody@refused.example.org" not in mail_log.text


def test_two_jobs_for_one_mail_send_it_once(app, smtp):
    with app.app_context():
        mail = mail_queue.queue_mail(db.session, kind=TEST, to="robin@example.org", user_id=None)
        extra = mail_queue.retry_job(db.session, mail.id)
        db.session.commit()
        submit_noted_mail()
        app.extensions["interlude"].jobs.submit(extra)
        assert db.session.scalar(select(func.count()).select_from(Job)) == 2
    assert len(smtp.capture.messages) == 1


def test_flask_mail_test_writes_into_the_outbox_by_default(app, outbox):
    result = app.test_cli_runner().invoke(args=["mail", "test", "--to", "ops@example.org"])
    assert result.exit_code == 0, result.output
    assert "outbox" in result.output
    assert len(list(outbox.glob("*.eml"))) == 1


def test_flask_mail_test_through_smtp_says_what_went_wrong(app, smtp):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["mail", "test", "--to", "ops@example.org"])
    assert ok.exit_code == 0 and "SMTP server 127.0.0.1" in ok.output
    refused = runner.invoke(args=["mail", "test", "--to", "x@refused.example.org"])
    assert refused.exit_code == 1 and "Not sent: the recipient was refused (550)" in refused.output
    assert [m.recipients for m in smtp.capture.messages] == [["ops@example.org"]]


def test_the_thread_runner_retries_by_itself_until_the_server_is_back(
    app, certificate, monkeypatch
):
    from api.jobs import ThreadRunner

    monkeypatch.setattr(mail_queue, "FIRST_RETRY_SECONDS", 0.2)  # not 30 s, for the test
    server = SmtpServer(*certificate, port=free_port())
    transport = SmtpTransport(server.url, timeout=2, tls_context=server.client_tls())
    runner = ThreadRunner(app, workers=1)
    with swapped_services(app, mail=transport, jobs=runner):
        queue_test_mail(app)
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while not any(m.attempts for m in pending(app)) and datetime.now(UTC) < deadline:
            server.capture.arrived.wait(0.05)
        server.start()  # after the first attempt failed
        try:
            assert server.capture.arrived.wait(20), pending(app)
        finally:
            runner.shutdown(wait=True)
            server.stop()
    assert [m.recipients for m in server.capture.messages] == [["robin@example.org"]]
