"""A service operation is one unit of work: it commits once, at the outermost call, and
leaves nothing behind when it raises."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from api.services.transaction import unit_of_work


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'uow.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def stored(engine) -> list[str]:
    with Session(engine) as other:  # another connection sees only what was committed
        return list(other.scalars(select(Note.text)))


@unit_of_work
def add_note(session: Session, text: str) -> None:
    session.add(Note(text=text))


@unit_of_work
def add_two_then_fail(session: Session) -> None:
    add_note(session, "first")
    add_note(session, "second")
    raise ValueError("a rule said no")


@unit_of_work
def add_two(session: Session) -> None:
    add_note(session, "first")
    assert stored(session.get_bind()) == []  # the inner call did not commit
    add_note(session, "second")


def test_an_operation_commits_what_it_wrote(engine):
    with Session(engine) as session:
        add_note(session, "kept")
    assert stored(engine) == ["kept"]


def test_nested_operations_commit_once_at_the_outermost(engine):
    with Session(engine) as session:
        add_two(session)
    assert stored(engine) == ["first", "second"]


def test_an_operation_that_raises_leaves_nothing_behind(engine):
    with Session(engine) as session:
        with pytest.raises(ValueError):
            add_two_then_fail(session)
        assert list(session.scalars(select(Note.text))) == []
        add_note(session, "after")  # the session is usable again
    assert stored(engine) == ["after"]


@unit_of_work
def rename(session: Session, note: Note) -> Note:
    note.text = "renamed"
    return note


@unit_of_work(keep_loaded=True)
def rename_keeping_loaded(session: Session, note: Note) -> Note:
    note.text = "renamed"
    return note


def test_a_commit_expires_what_was_loaded(engine):
    with Session(engine) as session:
        add_note(session, "x")
        note = session.scalars(select(Note)).one()
        rename(session, note)
        assert "text" in inspect(note).expired_attributes  # reading it would query again


def test_keep_loaded_commits_without_expiring_what_was_loaded(engine):
    with Session(engine) as session:
        add_note(session, "x")
        note = session.scalars(select(Note)).one()
        rename_keeping_loaded(session, note)
        assert not inspect(note).expired_attributes
        assert session.expire_on_commit is True  # put back for the next commit
    assert stored(engine) == ["renamed"]
