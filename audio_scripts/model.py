"""Typed form of an exercise script and of the timeline rendered from it.

Everything here is plain data: the parser builds a `Script`, the timeline builder turns a
`Script` plus a target length into a `Timeline`, and the renderer turns a `Timeline` into audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

KINDS = ("mindfulness", "breathing", "self-compassion", "body-scan", "grounding", "sleep")
Kind = Literal["mindfulness", "breathing", "self-compassion", "body-scan", "grounding", "sleep"]
Cue = Literal["tone", "voice", "none"]
EventType = Literal["say", "pause", "bell", "inhale", "hold", "exhale"]


@dataclass(frozen=True)
class Say:
    id: str
    text: str
    recording: str | None = None  # a reference to an uploaded recording that replaces the TTS
    line: int = 0  # where the segment starts in the source, for messages


@dataclass(frozen=True)
class Pause:
    """A silence: fixed (`seconds`) or flexible (`min_seconds` plus a share of the spare time)."""

    id: str
    seconds: float | None = None
    min_seconds: float = 0.0
    weight: float = 0.0
    line: int = 0

    @property
    def flexible(self) -> bool:
        return self.seconds is None


@dataclass(frozen=True)
class BreathPattern:
    """One breathing cycle, in seconds. `second_inhale` is the top-up sniff of cyclic sighing."""

    inhale: float
    hold_in: float
    exhale: float
    hold_out: float
    second_inhale: float = 0.0

    @property
    def cycle_seconds(self) -> float:
        return self.inhale + self.second_inhale + self.hold_in + self.exhale + self.hold_out

    def as_list(self) -> list[float]:
        return [self.inhale, self.hold_in, self.exhale, self.hold_out]


@dataclass(frozen=True)
class Breathe:
    """Paced breathing: a fixed number of `cycles`, or whole cycles filling a `fill` share."""

    id: str
    pattern: BreathPattern
    cycles: int | None = None
    fill: float | None = None
    cue: Cue = "tone"
    line: int = 0

    @property
    def flexible(self) -> bool:
        return self.fill is not None


@dataclass(frozen=True)
class Bell:
    id: str
    seconds: float = 6.0  # the strike and its decay
    line: int = 0


Segment = Say | Pause | Breathe | Bell


@dataclass(frozen=True)
class Script:
    slug: str
    title: str
    kind: Kind
    summary: str
    language: str
    voice: str
    lengths: tuple[int, ...]
    segments: tuple[Segment, ...]
    background: str | None = None
    # (line, column) of each entry of `lengths` in the source, in the same order, so a length
    # that cannot fit is reported where it was written. Empty for scripts built in code.
    length_marks: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)

    def length_mark(self, minutes: int) -> tuple[int, int]:
        """Where `minutes` was written in `lengths`; (0, 0) when unknown."""
        for length, mark in zip(self.lengths, self.length_marks, strict=False):
            if length == minutes:
                return mark
        return (0, 0)

    @property
    def breath_pattern(self) -> BreathPattern | None:
        """The first breathing pattern, which the catalog shows; None when there is none."""
        for segment in self.segments:
            if isinstance(segment, Breathe):
                return segment.pattern
        return None


@dataclass(frozen=True)
class Event:
    at_ms: int
    until_ms: int
    type: EventType
    text: str | None = None
    segment_id: str | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"at_ms": self.at_ms, "until_ms": self.until_ms, "type": self.type}
        if self.text is not None:
            out["text"] = self.text
        return out


@dataclass(frozen=True)
class Timeline:
    length_minutes: int
    duration_ms: int
    events: tuple[Event, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, object]:
        return {"duration_ms": self.duration_ms, "events": [e.as_json() for e in self.events]}
