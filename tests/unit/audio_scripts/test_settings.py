"""AudioSettings: the environment is read once, by the command line, and passed everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import audio_scripts
from audio_scripts.settings import BUILTIN_SOUNDS_DIR, DEFAULT_VOICE, AudioSettings
from audio_scripts.voices import PiperNarrator, narrator_for

PACKAGE = Path(audio_scripts.__file__).parent


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = AudioSettings.from_environ(
        {
            "INTERLUDE_CACHE_DIR": str(tmp_path / "tts"),
            "INTERLUDE_TTS_VOICE": str(tmp_path / "voice.onnx"),
            "INTERLUDE_SOUNDS_DIR": str(tmp_path / "sounds"),
            "XDG_CACHE_HOME": str(tmp_path / "xdg"),  # INTERLUDE_CACHE_DIR wins
        }
    )
    assert settings == AudioSettings(
        cache_dir=tmp_path / "tts",
        voice=str(tmp_path / "voice.onnx"),
        sounds_dir=tmp_path / "sounds",
    )


def test_unset_or_empty_settings_are_the_defaults(tmp_path: Path) -> None:
    xdg = AudioSettings.from_environ({"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert xdg.cache_dir == tmp_path / "xdg" / "interlude" / "tts"
    empty = AudioSettings.from_environ(
        {"INTERLUDE_CACHE_DIR": "", "INTERLUDE_TTS_VOICE": "", "INTERLUDE_SOUNDS_DIR": ""}
    )
    assert empty == AudioSettings()
    assert empty.cache_dir == Path.home() / ".cache" / "interlude" / "tts"
    assert (empty.voice, empty.sounds_dir) == (DEFAULT_VOICE, BUILTIN_SOUNDS_DIR)


def test_a_cache_folder_under_home_is_expanded() -> None:
    settings = AudioSettings.from_environ({"INTERLUDE_CACHE_DIR": "~/narration"})
    assert settings.cache_dir == Path.home() / "narration"


def test_a_scripts_own_voice_wins_over_the_configured_one() -> None:
    settings = AudioSettings(voice="/voices/calm.onnx")
    assert settings.voice_for("default") == "/voices/calm.onnx"
    assert settings.voice_for("/voices/other.onnx") == "/voices/other.onnx"
    assert AudioSettings().voice_for("default") == DEFAULT_VOICE


def test_one_narrator_per_voice_and_cache_folder(tmp_path: Path) -> None:
    here = AudioSettings(cache_dir=tmp_path / "a")
    assert narrator_for("default", here) is narrator_for("default", here)
    there = narrator_for("default", AudioSettings(cache_dir=tmp_path / "b"))
    assert there is not narrator_for("default", here)
    assert isinstance(there, PiperNarrator) and there.cache_dir == tmp_path / "b"


def test_only_the_settings_module_reads_the_environment() -> None:
    reads = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\.get\b")
    readers = sorted(p.name for p in PACKAGE.glob("*.py") if reads.search(p.read_text("utf-8")))
    assert readers == ["settings.py"]
    callers = sorted(
        p.name for p in PACKAGE.glob("*.py") if "from_environ(" in p.read_text("utf-8")
    )
    assert callers == ["__main__.py", "settings.py"]  # where it is called, and declared
