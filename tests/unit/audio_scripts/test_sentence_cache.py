"""The narration cache keeps sentences: an edit synthesises only the sentence it changed, and
the joins keep Piper's own pause between sentences, without clicks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from audio_scripts import parse, render_script
from audio_scripts.pcm import MIX_RATE, TRIM_AFTER_MS, TRIM_BEFORE_MS
from audio_scripts.sentences import split_sentences
from audio_scripts.voices import (
    SENTENCE_GAP_MS,
    SENTENCE_PAUSE_MS,
    PiperNarrator,
    join_sentences,
)

PARAGRAPH = "Sit in a way that feels steady. Let your shoulders drop. Breathe as you are."
EDITED = PARAGRAPH.replace("Let your shoulders drop.", "Let your hands rest in your lap.")
PIPER_PAIRS = [
    "Let the breath come and go. Notice where you feel it most.",
    "Find a comfortable position. Let your eyes close, or rest your gaze on the floor.",
    "You are safe here. There is nothing you need to do right now.",
    "When you are ready, open your eyes. Well done for taking this time.",
    "Notice five things you can see. Take your time with each one.",
]
QUIET_UNDER_PEAK_DB = 45.0  # the trimming rule: quieter than this under the peak is silence
# 10 ms frames at both edges, and the levelling: its compression of the loudest syllables lifts
# the quiet edges that trimming keeps a few dB nearer the peak, so at −45 dB the clip reads
# 230–260 ms for a 270 ms pause (six fresh syntheses).
PAUSE_TOLERANCE_MS = 50
CLICK_STEP = 0.02  # a sample-to-sample jump this big (−34 dBFS) in the quiet of a join clicks


def test_editing_one_sentence_synthesises_that_sentence_alone(narrator: PiperNarrator) -> None:
    narrator.speak(PARAGRAPH)
    before = narrator.stats.copy()
    clip = narrator.speak(EDITED)
    work = narrator.stats.since(before)
    assert (work.synthesised, work.cached) == (1, 2)
    assert clip.path == narrator.cache_path(EDITED)
    lengths = [narrator.sentence(s).size for s in split_sentences(EDITED)]
    gap = SENTENCE_GAP_MS * MIX_RATE // 1000
    assert clip.samples == sum(lengths) + 2 * gap


def test_an_unchanged_text_is_not_synthesised_again(
    narrator: PiperNarrator, tts_cache: Path
) -> None:
    first = narrator.speak(PARAGRAPH)
    fresh = PiperNarrator(cache_dir=tts_cache)  # as in a later process
    assert fresh.speak(PARAGRAPH) == first
    assert (fresh.stats.synthesised, fresh.stats.cached) == (0, 3)
    assert not fresh.model_loaded


def test_an_edited_script_renders_with_one_synthesis_and_an_unchanged_one_with_none(
    narrator: PiperNarrator, tts_cache: Path, tmp_path: Path
) -> None:
    source = (
        "slug: sentence-cache\ntitle: Sentence cache\nkind: mindfulness\nlengths: [1]\n"
        "segments:\n"
        f"  - say: {PARAGRAPH}\n  - pause: {{min: 2s, weight: 1}}\n"
        "  - say: Notice the room around you. Open your eyes when you are ready.\n"
    )
    render_script(parse(source), tmp_path / "first", narrator=narrator)
    edited = parse(source.replace(PARAGRAPH, EDITED.replace("hands", "arms")))
    once = render_script(edited, tmp_path / "edited", narrator=narrator).narration
    assert (once.synthesised, once.cached) == (1, 4)
    fresh = PiperNarrator(cache_dir=tts_cache)
    again = render_script(edited, tmp_path / "again", narrator=fresh).narration
    assert (again.synthesised, again.cached) == (0, 5)
    assert not fresh.model_loaded


def _quiet_run_ms(samples: np.ndarray, around: int) -> float:
    """The length of the silence (by the trimming rule, in 10 ms frames) around a sample."""
    frame = MIX_RATE // 100
    frames = samples[: samples.size // frame * frame].reshape(-1, frame).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    quiet = rms <= np.max(np.abs(samples)) * 10 ** (-QUIET_UNDER_PEAK_DB / 20)
    start = end = around // frame
    assert quiet[start], "the join is not quiet"
    while start > 0 and quiet[start - 1]:
        start -= 1
    while end + 1 < quiet.size and quiet[end + 1]:
        end += 1
    return (end - start + 1) * 1000 / 100


def _zero_run(samples: np.ndarray, around: int) -> int:
    nonzero = np.flatnonzero(samples)
    after = int(np.searchsorted(nonzero, around))
    return int(nonzero[after] - nonzero[after - 1] - 1)


def _largest_step_at_joins(samples: np.ndarray, joins: list[tuple[int, int]]) -> float:
    """The largest sample-to-sample step from each join's start to its end."""
    return max(float(np.max(np.abs(np.diff(samples[start:end])))) for start, end in joins)


def test_sentences_are_joined_with_pipers_own_pause_and_no_click(
    narrator: PiperNarrator,
) -> None:
    joined = narrator.speak(PARAGRAPH).load()
    lengths = [narrator.sentence(s).size for s in split_sentences(PARAGRAPH)]
    gap = SENTENCE_GAP_MS * MIX_RATE // 1000
    middles = [lengths[0] + gap // 2, lengths[0] + gap + lengths[1] + gap // 2]
    for middle in middles:
        pause = _quiet_run_ms(joined, middle)
        assert abs(pause - SENTENCE_PAUSE_MS) <= PAUSE_TOLERANCE_MS, pause
        silent = _zero_run(joined, middle)  # the digital silence between the kept edges
        assert gap <= silent <= gap + (TRIM_AFTER_MS + TRIM_BEFORE_MS) * MIX_RATE // 1000
    # Each join: the kept quiet end of one sentence, the silence, the kept start of the next.
    after, before = (ms * MIX_RATE // 1000 for ms in (TRIM_AFTER_MS, TRIM_BEFORE_MS))
    joins = [(m - gap // 2 - after, m + gap // 2 + before) for m in middles]
    assert _largest_step_at_joins(joined, joins) < CLICK_STEP
    # The same measure hears a join made without trimming and fading: it can fail.
    first, second = (narrator.sentence(s) for s in split_sentences(PARAGRAPH)[:2])
    cut = int(np.argmax(np.abs(first)))  # in the middle of a word, at its loudest sample
    crude = join_sentences([first[:cut], second[second.size // 2 :]])
    assert _largest_step_at_joins(crude, [(cut - after, cut + gap + before)]) >= CLICK_STEP


def test_the_pause_is_the_one_piper_leaves_between_its_sentences(
    narrator: PiperNarrator,
) -> None:
    """Piper's own two-sentence synthesis: the end of the first sentence's voice to the start
    of the second's. Its edges vary with the sampling noise (190–410 ms over the library), so
    the median of a few pairs is compared."""
    from piper import SynthesisConfig

    piper = narrator._load()
    config = SynthesisConfig(length_scale=narrator.length_scale)
    pauses = []
    for text in PIPER_PAIRS:
        first, second = (
            np.asarray(c.audio_float_array) for c in piper.synthesize(text, syn_config=config)
        )
        assert narrator.voice_rate == MIX_RATE  # so the 10 ms frames are the same
        both = np.concatenate([first, second])
        pauses.append(_quiet_run_ms(both, first.size))
    assert abs(float(np.median(pauses)) - SENTENCE_PAUSE_MS) <= 60, pauses


@pytest.mark.parametrize("text", ["", "   "])
def test_no_text_is_an_empty_clip_without_synthesis(narrator: PiperNarrator, text: str) -> None:
    before = narrator.stats.copy()
    assert narrator.speak(text).samples == 0
    assert narrator.stats.since(before).synthesised == 0


def test_threads_missing_the_same_sentence_synthesise_it_once(tmp_path: Path) -> None:
    narrator = PiperNarrator(cache_dir=tmp_path)
    sentence = "Two renders may ask for this sentence at the same moment."
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: narrator.sentence(sentence), range(4)))
    assert narrator.stats.synthesised == 1
    assert narrator.stats.cached == 3
    assert all(np.array_equal(result, results[0]) for result in results)


def test_a_render_lets_the_model_go_once_its_narration_is_done(tmp_path: Path) -> None:
    narrator = PiperNarrator(cache_dir=tmp_path / "cache")
    script = parse(
        "slug: brief\ntitle: Brief\nkind: mindfulness\nlengths: [1]\n"
        "segments:\n  - say: Rest here for a moment.\n  - pause: {min: 5s}\n"
    )
    result = render_script(script, tmp_path / "out", narrator=narrator)
    assert result.narration.synthesised == 1
    assert not narrator.model_loaded  # released: the mix and the encoders never need it
    narrator.speak("And one more sentence after the render.")  # loads again when needed
    assert narrator.model_loaded
