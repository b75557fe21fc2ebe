"""The time zones a person may choose: the IANA zones that are places, read from the `tzdata`
package (not the host's zone database), so every server gives the same answer."""

from __future__ import annotations

from functools import cache
from importlib import resources

# In the zone list but not places: a placeholder zone and host-specific aliases.
NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})
NOT_PLACE_PREFIXES = ("posix/", "right/", "SystemV/")


@cache
def place_zones() -> frozenset[str]:
    """Canonical zone names and their standard links (Europe/London, Etc/UTC, US/Eastern)."""
    names = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(
        name for name in names if name not in NOT_PLACES and not name.startswith(NOT_PLACE_PREFIXES)
    )


def is_place_zone(name: str) -> bool:
    return name in place_zones()
