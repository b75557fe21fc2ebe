"""What a schema dumps when a field needs a value the object does not hold."""

from __future__ import annotations

from typing import Any


class Overlay:
    """`base` seen with some attributes added or replaced: a schema's `pre_dump` returns one
    for a derived value (a prescription's status), a value from elsewhere (a client's last
    practice) or a view of the object (what a therapist may see of a practice). Every other
    attribute is the base's own, so relationships load exactly as they would without it."""

    def __init__(self, base: object, **values: Any) -> None:
        self._base = base
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:  # only for names not given in `values`
        return getattr(self._base, name)
