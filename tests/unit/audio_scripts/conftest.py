"""Fixtures for rendering tests: one TTS cache folder and one Piper narrator per session."""

from __future__ import annotations

import math
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from audio_scripts.voices import PiperNarrator


@pytest.fixture(scope="session")
def tts_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private INTERLUDE_CACHE_DIR, so tests never read or fill the user's cache."""
    cache = tmp_path_factory.mktemp("tts-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INTERLUDE_CACHE_DIR", str(cache))
        yield cache


@pytest.fixture(scope="session")
def narrator(tts_cache: Path) -> PiperNarrator:
    """The default voice, loaded (lazily) once for the whole session."""
    return PiperNarrator(cache_dir=tts_cache)


ToneFile = Callable[..., Path]


@pytest.fixture
def tone_file(tmp_path: Path) -> ToneFile:
    """Makes a sine-tone WAV at 44.1 kHz (a rate the renderer must convert) to stand in for
    an uploaded recording: `tone_file("intro.wav", hz=1000, seconds=2)`."""

    def make(name: str, *, hz: float = 1000.0, seconds: float = 2.0, db: float = -12.0) -> Path:
        rate = 44100
        t = np.arange(int(seconds * rate)) / rate
        tone = 10 ** (db / 20) * np.sin(2 * math.pi * hz * t)
        path = tmp_path / name
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes((tone * 32767).astype("<i2").tobytes())
        return path

    return make
