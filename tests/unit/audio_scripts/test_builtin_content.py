"""The built-in library in content/: every script is valid, fits each of its lengths, and
follows the house rules that content/README.md sets out for editors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audio_scripts import (
    KINDS,
    Bell,
    Breathe,
    Checked,
    Pause,
    Say,
    Script,
    check_script,
    estimate_speech_ms,
)

CONTENT = Path(__file__).resolve().parents[3] / "content"
SCRIPT_FILES = sorted(CONTENT.glob("*.yaml"))
DERIVED_ID = re.compile(r"s[0-9]+")
# Fixed parts may take at most this share of the shortest length, so real TTS that runs a
# little slower than the estimate still leaves the flexible parts room to breathe.
MAX_FIXED_SHARE = 0.75


def _check(path: Path) -> Checked:
    return check_script(path.read_text(encoding="utf-8"))


def _minimum_ms(script: Script) -> int:
    """What the script lasts with every flexible part at its minimum (a fill is one cycle)."""
    total = 0.0
    for segment in script.segments:
        if isinstance(segment, Say):
            total += estimate_speech_ms(segment.text)
        elif isinstance(segment, Pause):
            total += 1000 * (segment.min_seconds if segment.flexible else segment.seconds or 0)
        elif isinstance(segment, Bell):
            total += 1000 * segment.seconds
        elif isinstance(segment, Breathe):
            total += 1000 * segment.pattern.cycle_seconds * (segment.cycles or 1)
    return round(total)


@pytest.fixture(params=SCRIPT_FILES, ids=lambda path: path.stem)
def script_file(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


def test_library_has_at_least_twelve_exercises() -> None:
    assert len(SCRIPT_FILES) >= 12, [path.name for path in SCRIPT_FILES]


def test_script_is_valid_without_warnings(script_file: Path) -> None:
    checked = _check(script_file)
    assert checked.warnings == []


def test_slug_is_the_file_name(script_file: Path) -> None:
    assert _check(script_file).script.slug == script_file.stem


def test_slugs_are_unique() -> None:
    slugs = [_check(path).script.slug for path in SCRIPT_FILES]
    assert len(slugs) == len(set(slugs))


def test_every_kind_is_covered() -> None:
    kinds = {_check(path).script.kind for path in SCRIPT_FILES}
    assert kinds == set(KINDS)


def test_script_offers_at_least_two_lengths(script_file: Path) -> None:
    assert len(_check(script_file).script.lengths) >= 2


def test_script_lasts_exactly_each_of_its_lengths(script_file: Path) -> None:
    checked = _check(script_file)
    assert checked.durations == {m: m * 60_000 for m in checked.script.lengths}


def test_fixed_parts_leave_room_in_the_shortest_length(script_file: Path) -> None:
    script = _check(script_file).script
    shortest_ms = min(script.lengths) * 60_000
    assert _minimum_ms(script) <= MAX_FIXED_SHARE * shortest_ms


def test_script_has_a_flexible_part(script_file: Path) -> None:
    segments = _check(script_file).script.segments
    assert any(isinstance(s, Pause | Breathe) and s.flexible for s in segments)


def test_every_say_has_its_own_id_for_recordings(script_file: Path) -> None:
    says = [s for s in _check(script_file).script.segments if isinstance(s, Say)]
    assert [s.id for s in says if DERIVED_ID.fullmatch(s.id)] == []


def test_script_starts_and_ends_with_a_bell(script_file: Path) -> None:
    segments = _check(script_file).script.segments
    assert isinstance(segments[0], Bell)
    assert isinstance(segments[-1], Bell)
