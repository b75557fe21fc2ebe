"""Schemas for the client's agenda (things to bring to the next session)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from api.schemas.fields import Text
from api.schemas.practices import StrictBoolean
from api.services.agenda import TEXT_LIMIT

TEXT_DESCRIPTION = f"what you want to bring up, 1 to {TEXT_LIMIT} characters"
SHARED_DESCRIPTION = "true: the therapists you are linked with may read it; false: only you"
LENGTH = validate.Length(
    min=1, max=TEXT_LIMIT, error=f"Keep it to {TEXT_LIMIT} characters or fewer."
)


# The document's pattern says what `Text(multiline=True)` and `_not_blank` check together.
NOT_BLANK_PATTERN = (
    r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f]*[^\s\u0000-\u001f]"
    r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f]*$"
)


def _not_blank(text: str) -> None:
    if not text.strip():
        raise ValidationError("Write something to bring; the text is empty.")


class AgendaItemInSchema(Schema):
    text = Text(
        multiline=True,
        required=True,
        validate=[LENGTH, _not_blank],
        metadata={"description": TEXT_DESCRIPTION, "pattern": NOT_BLANK_PATTERN},
    )
    shared = StrictBoolean(required=True, metadata={"description": SHARED_DESCRIPTION})
    practice_id = fields.UUID(
        allow_none=True, metadata={"description": "one of your practices this is about"}
    )


class AgendaItemPatchSchema(AgendaItemInSchema):
    text = Text(
        multiline=True,
        validate=[LENGTH, _not_blank],
        metadata={"description": TEXT_DESCRIPTION, "pattern": NOT_BLANK_PATTERN},
    )
    shared = StrictBoolean(metadata={"description": SHARED_DESCRIPTION})
    done = StrictBoolean(metadata={"description": "true marks it done; false opens it again"})


class AgendaItemSchema(Schema):
    """Dumps an `AgendaItem` for its client."""

    id = fields.UUID(required=True)
    text = fields.String(required=True)
    shared = fields.Boolean(required=True)
    practice_id = fields.UUID(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    done_at = fields.DateTime(required=True, allow_none=True)


class SharedAgendaItemSchema(Schema):
    """Dumps a shared `AgendaItem` for a linked therapist: the text and when, nothing else."""

    id = fields.UUID(required=True)
    text = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    done_at = fields.DateTime(required=True, allow_none=True)
