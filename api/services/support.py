"""Crisis contacts for "Need help now?": what the deployment configures, or a clearly marked
placeholder. Read and checked once, at start, so a broken file stops the server with a
message instead of leaving a person in distress with an empty page."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Said on every support page, whatever the deployment lists.
NOT_MONITORED = (
    "Interlude is not monitored. Nobody reads what you write here as you write it, and your "
    "therapist may not see it until much later. If you need help now, reach out to one of "
    "the contacts below, or to someone you trust."
)
PLACEHOLDER_CONTACTS = [
    {
        "name": "Emergency services",
        "description": (
            "If you or someone else is in danger right now, call your local emergency number "
            "(for example 112 in Europe, 911 in North America, 999 in the UK)."
        ),
    }
]
CONTACT_FIELDS = ("name", "description", "phone", "sms", "url", "hours")


@dataclass(frozen=True)
class Contact:
    name: str
    description: str = ""
    phone: str | None = None
    sms: str | None = None
    url: str | None = None
    hours: str | None = None


@dataclass(frozen=True)
class Support:
    contacts: list[Contact] = field(default_factory=list)
    placeholder: bool = False
    not_monitored: str = NOT_MONITORED

    def as_json(self) -> dict[str, Any]:
        return {
            "contacts": [asdict(contact) for contact in self.contacts],
            "placeholder": self.placeholder,
            "not_monitored": self.not_monitored,
        }


class SupportFileError(ValueError):
    pass


def load_support(path: str | Path | None) -> Support:
    """The contacts in `path` (a JSON list of {name, description?, phone?, sms?, url?,
    hours?}), or the placeholder when no path is set."""
    if not path:
        return Support([Contact(**item) for item in PLACEHOLDER_CONTACTS], placeholder=True)
    where = f"INTERLUDE_SUPPORT_CONTACTS ({path})"
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SupportFileError(f"{where}: cannot read the file: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise SupportFileError(
            f"{where}: not JSON (line {error.lineno}, column {error.colno}): {error.msg}"
        ) from None
    return Support(_contacts(raw, where))


def _contacts(raw: object, where: str) -> list[Contact]:
    if not isinstance(raw, list) or not raw:
        raise SupportFileError(f"{where}: give a JSON list of at least one contact")
    contacts = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise SupportFileError(f"{where}: contact {number} is not a JSON object")
        unknown = sorted(set(item) - set(CONTACT_FIELDS))
        if unknown:
            raise SupportFileError(
                f"{where}: contact {number} has unknown field(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(CONTACT_FIELDS)}"
            )
        for key, value in item.items():
            if not isinstance(value, str) or not value.strip():
                raise SupportFileError(f"{where}: contact {number}: {key} must be a non-empty text")
        if "name" not in item:
            raise SupportFileError(f"{where}: contact {number} has no name")
        if not any(key in item for key in ("phone", "sms", "url", "description")):
            raise SupportFileError(
                f"{where}: contact {number} ({item['name']}) says neither how to reach it "
                "(phone, sms, url) nor what to do (description)"
            )
        url = item.get("url")
        if url and not url.startswith(("https://", "http://")):
            raise SupportFileError(f"{where}: contact {number}: url must start with https://")
        contacts.append(Contact(**item))
    return contacts
