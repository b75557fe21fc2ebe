"""Security notices about care links, to the client's address."""

from __future__ import annotations

from api.models import CareLink
from api.models.base import utcnow
from api.services import Db
from api.services.accounts import Clock
from api.services.mail_queue import queue_mail


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
