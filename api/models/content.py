"""Exercises, their script versions, rendered variants and the files behind them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.extensions import db
from api.models.base import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from api.models.accounts import User


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    RENDERING = "rendering"
    RENDERED = "rendered"
    FAILED = "failed"
    PUBLISHED = "published"


class Exercise(db.Model):  # type: ignore[name-defined]
    """The stable identity of an exercise. The catalog fields are copied from the published
    version when it is published, so the switch is one row update and listing needs no join."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercise_versions.id", use_alter=True, ondelete="SET NULL")
    )
    title: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(32), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(35))
    lengths: Mapped[list[int] | None] = mapped_column(JSON)
    shortest_minutes: Mapped[int | None] = mapped_column(Integer)
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ExerciseVersion]] = relationship(
        back_populates="exercise",
        foreign_keys="ExerciseVersion.exercise_id",
        order_by="ExerciseVersion.number",
        cascade="all, delete-orphan",
    )
    published_version: Mapped[ExerciseVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )


class ExerciseVersion(db.Model):  # type: ignore[name-defined]
    __tablename__ = "exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(
        str_enum(VersionStatus, "version_status"), default=VersionStatus.DRAFT
    )
    source: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    # Hash of the source, the recordings and the render settings of the last good render:
    # `content sync` re-renders only when it changes.
    render_fingerprint: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(35))
    lengths: Mapped[list[int]] = mapped_column(JSON)
    breath_pattern: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No foreign key (see migration 0010): erasing the account nulls it (privacy.py).
    published_by: Mapped[uuid.UUID | None] = mapped_column()

    exercise: Mapped[Exercise] = relationship(back_populates="versions", foreign_keys=[exercise_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    publisher: Mapped[User | None] = relationship(
        primaryjoin="foreign(ExerciseVersion.published_by) == User.id", viewonly=True
    )
    variants: Mapped[list[Variant]] = relationship(
        back_populates="version",
        order_by="Variant.length_minutes",
        cascade="all, delete-orphan",
    )
    recordings: Mapped[list[Recording]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )


class Variant(db.Model):  # type: ignore[name-defined]
    """One rendered length of a version. Timeline and captions are small and live here, so
    they are served without touching object storage."""

    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("version_id", "length_minutes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id", ondelete="CASCADE"))
    length_minutes: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    # Only the timeline and captions views read these; the detail view never loads them.
    timeline: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    captions: Mapped[str] = mapped_column(Text, deferred=True)
    content_sha256: Mapped[str] = mapped_column(String(64))  # of timeline + captions, for ETags

    version: Mapped[ExerciseVersion] = relationship(back_populates="variants")
    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="variant", order_by="Rendition.format", cascade="all, delete-orphan"
    )


class Rendition(db.Model):  # type: ignore[name-defined]
    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("variant_id", "format"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(8))
    bitrate: Mapped[int] = mapped_column(Integer)  # the file's average: bytes × 8 / duration
    nominal_bitrate: Mapped[int] = mapped_column(Integer)  # what the encoder was asked for
    bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(300))
    mime: Mapped[str] = mapped_column(String(40))

    variant: Mapped[Variant] = relationship(back_populates="renditions")


class Recording(db.Model):  # type: ignore[name-defined]
    """A narration recording that replaces the synthesised voice of one say segment."""

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("version_id", "segment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id", ondelete="CASCADE"))
    segment_id: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[ExerciseVersion] = relationship(back_populates="recordings")
