"""Views return what they answer (ORM objects mostly) and the response schema dumps it
after the view has returned, so after its commit."""

from __future__ import annotations

from api.extensions import db


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session loaded, for a view whose answer is what
    this transaction read or wrote: a therapist's read (which writes the client's access log
    after reading), the export, publishing. The answer is dumped from those objects as they
    stand, as it would be before the commit, instead of each being read again, one query
    apiece. (A bulk UPDATE that bypasses the objects would leave them stale: not for those.)"""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
