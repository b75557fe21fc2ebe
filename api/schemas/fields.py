"""Fields shared across schemas. Every text a person or device sends is a `Text` (or built on
it), so control characters and broken Unicode are refused in one place, with a clear 422."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from marshmallow import ValidationError, fields, validate

from api.services import DAY_RANGE, FIRST_DAY, LAST_DAY
from api.services.accounts import timezone_message
from api.services.zones import is_place_zone

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# C0 controls and lone surrogates (JSON's "\ud800" decodes to one; no database can store it).
# Multi-line text may hold tabs and line breaks (CR too, for CRLF line endings).
_REFUSED_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_REFUSED_ONE_LINE = re.compile("[\x00-\x1f\ud800-\udfff]")
# The same rules as patterns for the document (JSON text cannot carry a lone surrogate).
MULTILINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f]*$"
ONE_LINE_PATTERN = r"^[^\u0000-\u001f]*$"


class Text(fields.String):
    """A string without control characters (other than tab and line breaks when `multiline`)
    and without lone surrogates."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline
        if not any(isinstance(check, validate.Regexp) for check in self.validators):
            pattern = MULTILINE_PATTERN if multiline else ONE_LINE_PATTERN
            self.metadata = {"pattern": pattern, **self.metadata}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        refused = (_REFUSED_MULTILINE if self.multiline else _REFUSED_ONE_LINE).search(text)
        if refused:
            char = refused.group()
            what = "an unpaired surrogate" if "\ud800" <= char <= "\udfff" else "a control"
            raise ValidationError(
                f"Remove the {what} character U+{ord(char):04X} at position {refused.start()}"
                + ("; only tabs and line breaks may be used." if self.multiline else ".")
            )
        return text


SLUG_PATTERN = r"^[a-z0-9-]{1,80}$"


class Slug(Text):
    """An exercise's slug: lowercase letters, digits and hyphens."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("description", "the exercise's slug")
        error = "Give an exercise slug: 1 to 80 lowercase letters, digits and hyphens."
        super().__init__(validate=validate.Regexp(SLUG_PATTERN, error=error), **kwargs)


_DAY_PATTERN = r"20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_OFFSET_PATTERN = (
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)


def out_of_range(name: str, value: date) -> ValidationError:
    return ValidationError(f"{name} must be from {DAY_RANGE}; {value.isoformat()} is not.")


def _document_range(kwargs: dict[str, Any], pattern: str, what: str) -> None:
    metadata = kwargs.setdefault("metadata", {})
    metadata.setdefault("pattern", f"^{pattern}$")
    description = metadata.get("description")
    bound = f"{what} from {DAY_RANGE}"
    metadata["description"] = f"{description}; {bound}" if description else bound


class BoundedDate(fields.Date):
    """A day (YYYY-MM-DD) from FIRST_DAY to LAST_DAY; a 422 naming the field otherwise."""

    def __init__(self, **kwargs: Any) -> None:
        _document_range(kwargs, _DAY_PATTERN, "a day")
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise out_of_range(self.data_key or self.name or "the date", day)
        return day


class BoundedAwareDateTime(fields.AwareDateTime):
    """An RFC 3339 instant with its offset, on a day from FIRST_DAY to LAST_DAY."""

    def __init__(self, **kwargs: Any) -> None:
        _document_range(kwargs, _DAY_PATTERN + _OFFSET_PATTERN, "on a day")
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        when = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= when.date() <= LAST_DAY:
            raise out_of_range(self.data_key or self.name or "the time", when.date())
        return when


class ClockTime(fields.Field[time]):
    """A time of day as "HH:MM" (24-hour)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("example", "07:30")
        metadata.setdefault("pattern", _HHMM.pattern)
        metadata.setdefault("type", "string")
        super().__init__(**kwargs)

    def _serialize(self, value: time | None, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.strftime("%H:%M")

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> time:
        if not isinstance(value, str) or not (match := _HHMM.match(value)):
            raise ValidationError(f"Use a 24-hour time as HH:MM, e.g. '07:30'; got {value!r}.")
        return time(int(match.group(1)), int(match.group(2)))


class TimeZone(Text):
    """An IANA time zone of a place, such as Europe/London or Etc/UTC. Not an enum: the list
    is long and changes with each tzdata release; the server's answer is the truth."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("example", "Europe/London")
        metadata.setdefault(
            "description",
            "an IANA time zone name of a place (canonical or a standard link), "
            "as in the tzdata package",
        )
        super().__init__(validate=validate.Length(min=1, max=64), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if not is_place_zone(name):
            raise ValidationError(timezone_message(name) + ".")
        return name
