"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from api.models.accounts import AuthSession, Role, User
from api.models.agenda import AgendaItem
from api.models.care import AccessLogEntry, CareLink, Invitation, Prescription
from api.models.content import (
    Exercise,
    ExerciseVersion,
    Recording,
    Rendition,
    Variant,
    VersionStatus,
)
from api.models.jobs import Job, JobStatus
from api.models.mail import PasswordReset, PendingMail
from api.models.practice import Practice
from api.models.push import PushSubscription, ReminderPreference, ReminderSend, SendStatus

__all__ = [
    "AccessLogEntry",
    "AgendaItem",
    "AuthSession",
    "CareLink",
    "Exercise",
    "ExerciseVersion",
    "Invitation",
    "Job",
    "JobStatus",
    "PasswordReset",
    "PendingMail",
    "Practice",
    "Prescription",
    "PushSubscription",
    "Recording",
    "ReminderPreference",
    "ReminderSend",
    "Rendition",
    "Role",
    "SendStatus",
    "User",
    "Variant",
    "VersionStatus",
]
