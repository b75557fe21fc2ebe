"""Validation as an editor sees it: parse errors, lengths that cannot fit, and gentle warnings.

Everything here runs before any TTS, so spoken lengths are `estimate_speech_ms` guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audio_scripts.errors import ScriptInvalid
from audio_scripts.model import Breathe, Pause, Say, Script
from audio_scripts.parse import parse
from audio_scripts.timeline import (
    LengthError,
    build_timeline,
    check_lengths,
    estimated_speech,
    format_ms,
    plan_length,
)

SHORT_FLEXIBLE_PAUSE_MS = 2000
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]»]*$")


@dataclass
class Checked:
    """A valid script, what an editor may want to look at, and its estimated durations."""

    script: Script
    warnings: list[str] = field(default_factory=list)
    durations: dict[int, int] = field(default_factory=dict)  # length in minutes -> ms


def check_script(source: str) -> Checked:
    """Parse and lay out every length with estimated speech; raise ScriptInvalid if any fails."""
    script = parse(source)
    speech = estimated_speech(script)
    errors = check_lengths(script, speech)
    if errors:
        raise ScriptInvalid(errors)
    durations = {m: build_timeline(script, m, speech).duration_ms for m in script.lengths}
    return Checked(script=script, warnings=_warnings(script, speech), durations=durations)


def _warnings(script: Script, speech: dict[str, int]) -> list[str]:
    warnings = []
    for segment in script.segments:
        if isinstance(segment, Say) and not _SENTENCE_END_RE.search(segment.text):
            warnings.append(
                f"line {segment.line}: say text does not end with . ! or ?, "
                "so the voice may sound cut off"
            )
    shortest = min(script.lengths)
    try:
        plan = plan_length(script, shortest, speech)
    except LengthError:  # already reported as an error
        return warnings
    for index, segment in enumerate(script.segments):
        if isinstance(segment, Pause) and segment.flexible:
            ms = plan.pause_ms[index]
            if ms < SHORT_FLEXIBLE_PAUSE_MS:
                warnings.append(
                    f"line {segment.line}: this flexible pause gets only {format_ms(ms)} at "
                    f"{shortest} min; give it a min (like min: 3s) or make that length longer"
                )
        elif isinstance(segment, Breathe) and segment.fill is not None and plan.cycles[index] == 1:
            warnings.append(
                f"line {segment.line}: this breathing fits only one cycle at {shortest} min"
            )
    return warnings
