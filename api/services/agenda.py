"""The client's agenda: things to bring to their next session. The client writes, changes,
marks done and deletes their own items; a therapist reads the shared ones through
`care_reads.client_agenda` (logged like every read of a client's data)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from api.models import AgendaItem, Practice, User
from api.models.base import utcnow
from api.services import Db
from api.services.accounts import Clock
from api.services.errors import NotFound
from api.services.transaction import unit_of_work

TEXT_LIMIT = 1000


def items_of(session: Db, client: User) -> list[AgendaItem]:
    """The client's own items: not yet done first, then newest first."""
    rows = session.scalars(
        select(AgendaItem)
        .where(AgendaItem.user_id == client.id)
        .order_by(AgendaItem.created_at.desc(), AgendaItem.id)
    )
    return sorted(rows, key=lambda item: item.done_at is not None)


def shared_items_of(
    session: Db, client_id: uuid.UUID, *, open_only: bool = False
) -> list[AgendaItem]:
    """What a linked therapist may read: the shared items, not yet done first, oldest first
    (the order they were thought of, for a session)."""
    query = select(AgendaItem).where(AgendaItem.user_id == client_id, AgendaItem.shared)
    if open_only:
        query = query.where(AgendaItem.done_at.is_(None))
    rows = session.scalars(query.order_by(AgendaItem.created_at, AgendaItem.id))
    return sorted(rows, key=lambda item: item.done_at is not None)


def _check_practice(session: Db, client: User, practice_id: uuid.UUID | None) -> None:
    if practice_id is None:
        return
    found = session.scalar(
        select(Practice.id).where(
            Practice.user_id == client.id,
            Practice.id == practice_id,
            Practice.deleted_at.is_(None),
        )
    )
    if found is None:
        raise NotFound("There is no practice of yours with that id (practice_id).")


@unit_of_work
def add_item(
    session: Db, client: User, data: dict[str, Any], *, clock: Clock = utcnow
) -> AgendaItem:
    _check_practice(session, client, data.get("practice_id"))
    now = clock()
    item = AgendaItem(
        user_id=client.id,
        text=data["text"],
        shared=data["shared"],
        practice_id=data.get("practice_id"),
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item


def find_item(session: Db, client: User, item_id: uuid.UUID) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None or item.user_id != client.id:
        raise NotFound("There is no item of yours with that id.")
    return item


@unit_of_work
def update_item(
    session: Db, client: User, item_id: uuid.UUID, changes: dict[str, Any], *, clock: Clock = utcnow
) -> AgendaItem:
    """`done` true marks the item done now (kept as it was if it already was); false opens it
    again."""
    item = find_item(session, client, item_id)
    if "practice_id" in changes:
        _check_practice(session, client, changes["practice_id"])
        item.practice_id = changes["practice_id"]
    if "text" in changes:
        item.text = changes["text"]
    if "shared" in changes:
        item.shared = changes["shared"]
    if "done" in changes:
        if not changes["done"]:
            item.done_at = None
        elif item.done_at is None:
            item.done_at = clock()
    item.updated_at = clock()
    session.flush()
    return item


@unit_of_work
def delete_item(session: Db, client: User, item_id: uuid.UUID) -> None:
    session.delete(find_item(session, client, item_id))
    session.flush()
