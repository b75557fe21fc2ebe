"""Mail about care: an invitation sent by mail, and the notices to a client that a
therapist's access began or ended."""

from __future__ import annotations

from api.models import CareLink, User
from api.models.base import utcnow
from api.services import Db
from api.services.accounts import Clock
from api.services.mail_queue import queue_mail
from api.services.mail_texts import INVITATION


def notify_link(session: Db, link: CareLink, kind: str, *, clock: Clock = utcnow) -> None:
    """Tell the client that a therapist's access to their practice began or ended (kind
    LINK_MADE or LINK_ENDED)."""
    name = link.therapist.display_name or "Your therapist"
    client = link.client
    queue_mail(
        session,
        kind=kind,
        to=client.email,
        user_id=client.id,
        params={"therapist": name},
        clock=clock,
    )


def mail_invitation(
    session: Db, therapist: User, code: str, email: str, *, clock: Clock = utcnow
) -> None:
    """Mail an invitation code from the therapist's name. The mail waits with the therapist's
    account: erasing it drops the mail (and the code)."""
    queue_mail(
        session,
        kind=INVITATION,
        to=email.strip(),
        user_id=therapist.id,
        params={"therapist": therapist.display_name or "Your therapist", "code": code},
        clock=clock,
    )
