"""Fields shared across schemas."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from marshmallow import ValidationError, fields

from api.services.accounts import iana_zones

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


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
