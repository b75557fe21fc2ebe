"""Fields shared across schemas."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from marshmallow import ValidationError, fields

from api.services import DAY_RANGE, FIRST_DAY, LAST_DAY
from api.services.accounts import iana_zones

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

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


class TimeZone(fields.String):
    """An IANA time zone name such as Europe/London (the spec lists them all)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("example", "Europe/London")
        metadata.setdefault("enum", sorted(iana_zones()))
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if name not in iana_zones():
            raise ValidationError(f"timezone '{name}' is not an IANA zone, e.g. 'Europe/London'.")
        return name
