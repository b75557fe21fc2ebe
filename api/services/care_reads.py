"""What a therapist reads of their clients. Each read is one unit of work: it finds the link
(404 for anyone who did not choose this therapist), reads what the link lets them see, and
writes the read to the client's access log in the same transaction, so a read that answers
is always logged. The answers are dumped from what was read (`keep_loaded`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from api.models import AgendaItem, CareLink, Practice, Prescription, User
from api.models.base import utcnow
from api.services import Db, adherence, agenda, care, practice_pages
from api.services.accounts import Clock
from api.services.transaction import unit_of_work

MOOD_TREND = 10  # practices in a client's mood trend at a glance


@dataclass(frozen=True)
class MoodPoint:
    """A practice in a client's mood trend: its day and the moods before and after."""

    day: date
    mood_before: int
    mood_after: int


@dataclass(frozen=True)
class ClientOverview:
    """A linked client at a glance: the link, their last practice the therapist may see,
    and expected and done over the client's last 7 days."""

    link: CareLink
    last_practice_at: datetime | None
    adherence_7d: adherence.Counts
    recent_moods: list[MoodPoint] | None = None


@dataclass(frozen=True)
class ClientPracticePage:
    """A page of a client's practices, each with the link that says what may be seen of it."""

    items: list[tuple[Practice, CareLink]]
    next_cursor: str | None


def _overviews(session: Db, links: list[CareLink], clock: Clock) -> list[ClientOverview]:
    """The same few queries for one client or a page of them."""
    last = care.last_practice_at(session, links)
    weeks = adherence.recent_adherence(session, links, days=7, clock=clock)
    moods = _recent_moods(session, links, clock)
    return [
        ClientOverview(link, last.get(link.client_id), weeks[link.client_id], moods.get(link.id))
        for link in links
    ]


def _recent_moods(
    session: Db, links: list[CareLink], clock: Clock
) -> dict[uuid.UUID, list[MoodPoint]]:
    """Per link that shares mood: the client's last `MOOD_TREND` practices rated before and
    after within the last 30 days that the therapist may see, oldest first. One query, which
    ranks each client's rows in the database and reads only the columns shown (never a
    note, which would be decrypted for nothing)."""
    sharing = [link for link in links if link.share_mood]
    if not sharing:
        return {}
    ranked = (
        select(
            Practice.user_id,
            Practice.started_at,
            Practice.id,
            Practice.local_day,
            Practice.mood_before,
            Practice.mood_after,
            func.row_number()
            .over(
                partition_by=Practice.user_id,
                order_by=(Practice.started_at.desc(), Practice.id.desc()),
            )
            .label("newest"),
        )
        .join(CareLink, CareLink.client_id == Practice.user_id)
        .where(
            CareLink.id.in_([link.id for link in sharing]),
            care.seen_through_link(),
            Practice.deleted_at.is_(None),
            Practice.mood_before.is_not(None),
            Practice.mood_after.is_not(None),
            Practice.started_at >= clock() - timedelta(days=30),
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.user_id, ranked.c.local_day, ranked.c.mood_before, ranked.c.mood_after)
        .where(ranked.c.newest <= MOOD_TREND)
        .order_by(ranked.c.user_id, ranked.c.started_at, ranked.c.id)
    )
    by_client: dict[uuid.UUID, list[MoodPoint]] = {}
    for user_id, day, before, after in rows:
        by_client.setdefault(user_id, []).append(MoodPoint(day, before, after))
    return {link.id: by_client.get(link.client_id, []) for link in sharing}


@unit_of_work(keep_loaded=True)
def clients_overview(
    session: Db, therapist: User, links: list[CareLink], *, clock: Clock = utcnow
) -> list[ClientOverview]:
    """These linked clients of the therapist (a page of `care.links_of_therapist`)."""
    overviews = _overviews(session, links, clock)
    care.log_access(session, therapist, [link.client_id for link in links], "summary", clock=clock)
    return overviews


@unit_of_work(keep_loaded=True)
def client_overview(
    session: Db, therapist: User, client_id: uuid.UUID, *, clock: Clock = utcnow
) -> ClientOverview:
    link = care.therapist_link(session, therapist, client_id)
    [overview] = _overviews(session, [link], clock)
    care.log_access(session, therapist, [client_id], "summary", clock=clock)
    return overview


@unit_of_work(keep_loaded=True)
def client_practices(
    session: Db,
    therapist: User,
    client_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None = None,
    exercise: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    clock: Clock = utcnow,
) -> ClientPracticePage:
    """Newest first, from the link's window on (`care.visible_from`)."""
    link = care.therapist_link(session, therapist, client_id)
    page = practice_pages.list_practices(
        session,
        client_id,
        limit=limit,
        cursor=cursor,
        exercise=exercise,
        first_day=first_day,
        last_day=last_day,
        started_from=care.visible_from(link),
    )
    care.log_access(session, therapist, [client_id], "practices", clock=clock)
    return ClientPracticePage([(practice, link) for practice in page.items], page.next_cursor)


@unit_of_work(keep_loaded=True)
def client_adherence(
    session: Db, therapist: User, client_id: uuid.UUID, *, weeks: int, clock: Clock = utcnow
) -> adherence.AdherenceTable:
    link = care.therapist_link(session, therapist, client_id)
    table = adherence.adherence_table(session, link, weeks=weeks, clock=clock)
    care.log_access(session, therapist, [client_id], "adherence", clock=clock)
    return table


@unit_of_work(keep_loaded=True)
def client_prescriptions(
    session: Db, therapist: User, client_id: uuid.UUID, *, clock: Clock = utcnow
) -> list[Prescription]:
    """What this therapist prescribed the client, newest first, ended ones too."""
    link = care.therapist_link(session, therapist, client_id)
    rows = care.prescriptions_of_link(session, link)
    care.log_access(session, therapist, [client_id], "prescriptions", clock=clock)
    return rows


@unit_of_work(keep_loaded=True)
def client_agenda(
    session: Db, therapist: User, client_id: uuid.UUID, *, clock: Clock = utcnow
) -> list[AgendaItem]:
    """The items the client chose to share, not yet done first."""
    care.therapist_link(session, therapist, client_id)
    items = agenda.shared_items_of(session, client_id)
    care.log_access(session, therapist, [client_id], "agenda", clock=clock)
    return items
