"""The exercise script language and its renderer. Pure Python: imports nothing from api/."""

from audio_scripts.check import Checked, check_script
from audio_scripts.errors import ScriptError, ScriptInvalid
from audio_scripts.model import (
    KINDS,
    Bell,
    Breathe,
    BreathPattern,
    Event,
    Pause,
    Say,
    Script,
    Segment,
    Timeline,
)
from audio_scripts.parse import parse
from audio_scripts.render import RenderError, RenderResult, VariantResult, render_script
from audio_scripts.timeline import (
    LengthError,
    build_timeline,
    check_lengths,
    estimate_speech_ms,
)

__all__ = [
    "KINDS",
    "Bell",
    "BreathPattern",
    "Breathe",
    "Checked",
    "Event",
    "LengthError",
    "Pause",
    "RenderError",
    "RenderResult",
    "Say",
    "Script",
    "ScriptError",
    "ScriptInvalid",
    "Segment",
    "Timeline",
    "VariantResult",
    "build_timeline",
    "check_lengths",
    "check_script",
    "estimate_speech_ms",
    "parse",
    "render_script",
]
