"""Schemas for a person's own data: the export and erasing the account.

The export writes each section with the schema of the same thing in the API, adjusted for a
record of one's own: ids rather than nested people, and what only the owner may see (the
day a practice counts for, why a prescription ended, when a link was revoked)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from api.schemas.accounts import MeSchema
from api.schemas.agenda import AgendaItemSchema
from api.schemas.care import AccessLogEntrySchema, InvitationSchema, LinkSchema, PrescriptionSchema
from api.schemas.overlay import Overlay
from api.schemas.practices import PracticeSchema
from api.schemas.push import ReminderPreferencesSchema, SubscriptionSchema, preferences_answer
from api.services.privacy import AccountExport


class DeleteAccountSchema(Schema):
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )


class ExportedAccountSchema(MeSchema):
    created_at = fields.DateTime()


class ExportedPracticeSchema(PracticeSchema):
    day = fields.Date(attribute="local_day")


class ExportedLinkSchema(LinkSchema):
    """Dumps a `CareLink` overlaid with `client_name` (see `AccountExport.client_name`)."""

    class Meta:
        exclude = ("therapist",)

    therapist_id = fields.UUID()
    therapist_name = fields.String(attribute="therapist.display_name", allow_none=True)
    client_id = fields.UUID()
    client_name = fields.String(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class ExportedPrescriptionSchema(PrescriptionSchema):
    class Meta:
        exclude = ("therapist", "status")

    therapist_id = fields.UUID(allow_none=True)
    ended_reason = fields.String(allow_none=True)


class ExportedAccessSchema(AccessLogEntrySchema):
    class Meta:
        exclude = ("therapist",)

    therapist_id = fields.UUID(allow_none=True)
    therapist_name = fields.String(allow_none=True)


class ExportedInvitationSchema(InvitationSchema):
    class Meta:
        exclude = ("code",)

    created_at = fields.DateTime()
    used_at = fields.DateTime(allow_none=True)


class ExportedSubscriptionSchema(SubscriptionSchema):
    """A device's subscription; its auth secret is left out (it is the browser's, and a
    secret: an export file may travel)."""

    p256dh = fields.String()
    updated_at = fields.DateTime()


class ExportedRemindersSchema(ReminderPreferencesSchema):
    class Meta:
        exclude = ("push_available",)


class Section(fields.Dict):
    """Documented as a plain object, as the export's sections always were; written with
    `schema`."""

    def __init__(self, schema: Schema, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section_schema = schema

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else self.section_schema.dump(value)


class ExportSchema(Schema):
    """Your data: account, practices, links, prescriptions, access log, invitations, agenda, push
    subscriptions and reminder preferences. Dumps
    an `AccountExport`."""

    format = fields.Integer(required=True)
    account = Section(ExportedAccountSchema(), required=True, attribute="user")
    practices = fields.List(Section(ExportedPracticeSchema()), required=True)
    links = fields.List(Section(ExportedLinkSchema()), required=True)
    prescriptions = fields.List(Section(ExportedPrescriptionSchema()), required=True)
    access_log = fields.List(Section(ExportedAccessSchema()), required=True)
    invitations = fields.List(Section(ExportedInvitationSchema()), required=True)
    agenda = fields.List(Section(AgendaItemSchema()), required=True)
    push_subscriptions = fields.List(Section(ExportedSubscriptionSchema()), required=True)
    reminders = Section(ExportedRemindersSchema(), required=True)

    @pre_dump
    def name_clients(self, export: AccountExport, **kwargs: Any) -> Overlay:
        links = [Overlay(link, client_name=export.client_name(link)) for link in export.links]
        reminders = preferences_answer(
            export.reminders, enabled=export.reminders_enabled(), push_available=False
        )
        return Overlay(export, links=links, reminders=reminders)
