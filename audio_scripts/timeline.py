"""Script + target length -> Timeline: every event with integer millisecond times.

Fixed parts (speech, fixed pauses, bells, breathing with `cycles`) take what they take. The
spare time, target − (fixed parts + flexible-pause minimums), is shared by weight between
flexible pauses and `fill` breathing. Breathing fills with whole cycles only and always gets at
least one; a block whose share is less than one cycle takes exactly one, and the others share
what is left. What a breathing block cannot use (less than a cycle) goes to the flexible pauses
by weight or, when the script has none, becomes a pause straight after that block. So a script
with any flexible part lasts exactly the target; one without must be within ±2% of it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from audio_scripts.errors import ScriptError, ScriptInvalid
from audio_scripts.model import (
    Bell,
    Breathe,
    BreathPattern,
    Event,
    EventType,
    Pause,
    Say,
    Script,
    Timeline,
)

WORDS_PER_MINUTE = 150
SPEECH_LEAD_MS = 400  # a little silence the voice leaves before and after a sentence
PUNCTUATION_MS = 150  # each comma, dash or full stop costs a breath
FIXED_TOLERANCE = 0.02
_PUNCTUATION_RE = re.compile(r"[,.;:!?…—–]")


def estimate_speech_ms(text: str) -> int:
    """A conservative (longish) guess of how long `text` takes to say, before any TTS runs."""
    words = len(text.split())
    pauses = len(_PUNCTUATION_RE.findall(text))
    return max(1000, SPEECH_LEAD_MS + words * 60_000 // WORDS_PER_MINUTE + pauses * PUNCTUATION_MS)


def format_ms(ms: int) -> str:
    """`3m41s`, `41s`, `2.5s`: whole seconds from 10 s up, tenths (rounded up) below."""
    if ms < 10_000:
        tenths = math.ceil(ms / 100)
        return f"{tenths / 10:g}s"
    seconds = round(ms / 1000)
    minutes, seconds = divmod(seconds, 60)
    if not minutes:
        return f"{seconds}s"
    return f"{minutes}m{seconds}s" if seconds else f"{minutes}m"


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def breath_phases(pattern: BreathPattern) -> list[tuple[EventType, int]]:
    """One cycle as (event type, ms), leaving out phases of zero length."""
    phases: list[tuple[EventType, int]] = [
        ("inhale", _ms(pattern.inhale)),
        ("inhale", _ms(pattern.second_inhale)),
        ("hold", _ms(pattern.hold_in)),
        ("exhale", _ms(pattern.exhale)),
        ("hold", _ms(pattern.hold_out)),
    ]
    return [(kind, ms) for kind, ms in phases if ms > 0]


def cycle_ms(pattern: BreathPattern) -> int:
    return sum(ms for _, ms in breath_phases(pattern))


@dataclass
class Plan:
    """How one length is laid out: the durations the flexible parts get."""

    length_minutes: int
    duration_ms: int
    flexible: bool
    pause_ms: dict[int, int] = field(default_factory=dict)  # segment index -> ms (flexible)
    cycles: dict[int, int] = field(default_factory=dict)  # segment index -> cycles (fill)
    after_breath_ms: dict[int, int] = field(default_factory=dict)  # segment index -> ms


class LengthError(ValueError):
    """A length the script cannot be laid out in; the message says by how much."""


def _split(total: int, weights: Mapping[int, Fraction]) -> dict[int, int]:
    """Split `total` ms by weight into integers that add up exactly (largest remainder)."""
    if not weights:
        return {}
    whole = sum(weights.values(), Fraction(0))
    exact = {key: total * weight / whole for key, weight in weights.items()}
    shares = {key: math.floor(value) for key, value in exact.items()}
    short = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: exact[k] - shares[k], reverse=True)[:short]:
        shares[key] += 1
    return shares


def _speech(segment: Say, speech_ms: Mapping[str, int]) -> int:
    if segment.id not in speech_ms:
        raise ValueError(f'no speech duration given for say segment "{segment.id}"')
    ms = int(speech_ms[segment.id])
    if ms <= 0:
        raise ValueError(f'speech duration for say segment "{segment.id}" must be positive')
    return ms


@dataclass
class _Parts:
    """A script's parts, summed for one length: what cannot stretch, and what can."""

    fixed: int = 0  # ms of speech, fixed pauses, bells and counted breathing
    pause_min: int = 0  # ms that the flexible pauses need at least
    pause_weights: dict[int, Fraction] = field(default_factory=dict)  # by segment index
    fills: dict[int, tuple[Fraction, int]] = field(default_factory=dict)  # (weight, cycle ms)


def _parts(script: Script, speech_ms: Mapping[str, int]) -> _Parts:
    parts = _Parts()
    for index, segment in enumerate(script.segments):
        if isinstance(segment, Say):
            parts.fixed += _speech(segment, speech_ms)
        elif isinstance(segment, Pause):
            if segment.flexible:
                parts.pause_min += _ms(segment.min_seconds)
                parts.pause_weights[index] = Fraction(segment.weight)
            else:
                parts.fixed += _ms(segment.seconds or 0.0)
        elif isinstance(segment, Breathe):
            if segment.fill is not None:
                parts.fills[index] = (Fraction(segment.fill), cycle_ms(segment.pattern))
            else:
                parts.fixed += (segment.cycles or 0) * cycle_ms(segment.pattern)
        elif isinstance(segment, Bell):
            parts.fixed += _ms(segment.seconds)
    return parts


def plan_length(script: Script, length_minutes: int, speech_ms: Mapping[str, int]) -> Plan:
    """Lay out one length; raise LengthError when it cannot fit."""
    target = length_minutes * 60_000
    parts = _parts(script, speech_ms)
    fixed = parts.fixed
    if not parts.pause_weights and not parts.fills:
        difference = fixed - target
        if abs(difference) > FIXED_TOLERANCE * target:
            if difference > 0:
                raise LengthError(
                    f"length {length_minutes} min cannot fit: the fixed parts last "
                    f"{format_ms(fixed)}, {format_ms(difference)} too long"
                )
            raise LengthError(
                f"length {length_minutes} min cannot be met: the script has only fixed parts, "
                f"which last {format_ms(fixed)}, {format_ms(-difference)} short; add a flexible "
                "pause such as `pause: {min: 4s, weight: 1}` so it stretches to fit"
            )
        return Plan(length_minutes, fixed, flexible=False)

    minimum = fixed + parts.pause_min + sum(cycle for _, cycle in parts.fills.values())
    if minimum > target:
        what = "fixed parts" if minimum == fixed else "fixed parts and minimums"
        raise LengthError(
            f"length {length_minutes} min cannot fit: the {what} last {format_ms(minimum)}, "
            f"{format_ms(minimum - target)} too long"
        )
    return _share_spare_time(script, Plan(length_minutes, target, flexible=True), parts)


def _share_spare_time(script: Script, plan: Plan, parts: _Parts) -> Plan:
    """Give the time the fixed parts and minimums leave to the flexible pauses and the
    breathing that fills, by weight: breathing in whole cycles, the remainder to pauses."""
    pause_weights, fills = parts.pause_weights, parts.fills
    spare = plan.duration_ms - parts.fixed - parts.pause_min
    # A block whose share is below one cycle takes exactly one; the others then share the
    # rest. Shares only shrink as blocks drop out, so dropping all such blocks at once is safe.
    active = dict(fills)
    while active:
        whole = sum(pause_weights.values(), Fraction(0)) + sum(w for w, _ in active.values())
        short = [i for i, (w, cycle) in active.items() if spare * w / whole < cycle]
        if not short:
            break
        for index in short:
            spare -= active.pop(index)[1]
            plan.cycles[index] = 1

    if not pause_weights and not active and spare > 0:  # cannot happen; keep the total exact
        plan.after_breath_ms[max(fills)] = spare
    shares = _split(spare, {**pause_weights, **{i: w for i, (w, _) in active.items()}})
    unused = 0
    for index, (_, cycle) in active.items():
        plan.cycles[index] = shares[index] // cycle
        unused_here = shares[index] - plan.cycles[index] * cycle
        if not pause_weights:
            plan.after_breath_ms[index] = unused_here
        unused += unused_here
    if pause_weights:
        pause_pool = sum(shares[i] for i in pause_weights) + unused
        extra = _split(pause_pool, pause_weights)
        for index in pause_weights:
            minimum_here = _ms(script.segments[index].min_seconds)  # type: ignore[union-attr]
            plan.pause_ms[index] = minimum_here + extra[index]
    return plan


def check_lengths(script: Script, speech_ms: Mapping[str, int]) -> list[ScriptError]:
    """An error for each of the script's lengths that cannot fit, at that entry of `lengths`."""
    errors = []
    for minutes in script.lengths:
        try:
            plan_length(script, minutes, speech_ms)
        except LengthError as exc:
            line, column = script.length_mark(minutes)
            errors.append(ScriptError(line, column, str(exc)))
    return errors


def build_timeline(script: Script, length_minutes: int, speech_ms: Mapping[str, int]) -> Timeline:
    """The timed events of `script` at `length_minutes`.

    `speech_ms` gives the spoken length of every say segment by id (measured audio when
    rendering, `estimate_speech_ms` when validating). Raises ScriptInvalid when the length
    cannot fit.
    """
    try:
        plan = plan_length(script, length_minutes, speech_ms)
    except LengthError as exc:
        line, column = script.length_mark(length_minutes)
        raise ScriptInvalid([ScriptError(line, column, str(exc))]) from None

    events: list[Event] = []
    now = 0

    def add(kind: EventType, ms: int, segment_id: str, text: str | None = None) -> None:
        nonlocal now
        if ms > 0:
            events.append(Event(now, now + ms, kind, text=text, segment_id=segment_id))
            now += ms

    for index, segment in enumerate(script.segments):
        if isinstance(segment, Say):
            add("say", _speech(segment, speech_ms), segment.id, segment.text)
        elif isinstance(segment, Pause):
            ms = plan.pause_ms[index] if segment.flexible else _ms(segment.seconds or 0.0)
            add("pause", ms, segment.id)
        elif isinstance(segment, Bell):
            add("bell", _ms(segment.seconds), segment.id)
        elif isinstance(segment, Breathe):
            cycles = plan.cycles.get(index, segment.cycles or 0)
            phases = breath_phases(segment.pattern)
            for _ in range(cycles):
                for kind, ms in phases:
                    add(kind, ms, segment.id)
            add("pause", plan.after_breath_ms.get(index, 0), segment.id)

    assert now == plan.duration_ms, (now, plan.duration_ms)
    return Timeline(length_minutes=length_minutes, duration_ms=now, events=tuple(events))


def estimated_speech(script: Script) -> dict[str, int]:
    """`estimate_speech_ms` for every say segment, keyed by segment id."""
    return {s.id: estimate_speech_ms(s.text) for s in script.segments if isinstance(s, Say)}
