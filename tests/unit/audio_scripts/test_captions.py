"""WebVTT captions: cues at the say events' times, long texts split into short cues."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from audio_scripts import Say, parse
from audio_scripts.captions import (
    CLAUSE,
    CUE_CHARS,
    LINE_CHARS,
    break_rank,
    cues_for,
    fits_two_lines,
    split_text,
    timestamp,
    webvtt,
)
from audio_scripts.model import Event, Timeline

CONTENT = Path(__file__).resolve().parents[3] / "content"
LIBRARY_SAYS = [
    segment.text
    for path in sorted(CONTENT.glob("*.yaml"))
    for segment in parse(path.read_text(encoding="utf-8")).segments
    if isinstance(segment, Say)
]

LONG = (
    "Welcome. Settle into a position where your chest and belly have room to move. Close "
    "your eyes or keep a soft gaze, and stop whenever you need to, without any judgement at "
    "all about what happens next in this practice."
)
CUE_TIMES = re.compile(r"^(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)$", re.M)


def _ms(stamp: str) -> int:
    hours, minutes, rest = stamp.split(":")
    seconds, millis = rest.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def test_timestamps_are_hours_minutes_seconds_and_milliseconds() -> None:
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(3_725_042) == "01:02:05.042"


def test_a_short_say_is_one_cue_at_exactly_its_event_times() -> None:
    timeline = Timeline(1, 9000, (
        Event(0, 2000, "pause"),
        Event(2000, 4500, "say", "Breathe gently.", "s1"),
        Event(4500, 9000, "bell"),
    ))  # fmt: skip
    document = webvtt(timeline.events)
    assert document.startswith("WEBVTT\n\n")
    assert CUE_TIMES.findall(document) == [("00:00:02.000", "00:00:04.500")]
    assert "Breathe gently." in document


def test_a_long_say_becomes_cues_of_at_most_two_short_lines_covering_its_event() -> None:
    event = Event(1000, 16000, "say", LONG, "s1")
    cues = cues_for(event)
    assert len(cues) >= 3
    assert cues[0][0] == 1000 and cues[-1][1] == 16000
    assert all(a[1] == b[0] for a, b in itertools.pairwise(cues))
    assert " ".join(text for _, _, text in cues) == LONG
    for block in webvtt([event]).split("\n\n")[1:]:
        lines = block.strip().split("\n")[2:]
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= CUE_CHARS // 2 + 8 for line in lines)


def test_cue_time_is_shared_in_proportion_to_text_length() -> None:
    cues = cues_for(Event(0, 10_000, "say", LONG, "s1"))
    for start, end, text in cues:
        share = (end - start) / 10_000
        assert abs(share - len(text) / len(LONG)) < 0.05


def test_sentences_that_fit_share_a_cue_and_long_ones_are_cut_evenly() -> None:
    assert split_text("Breathe in. Breathe out.") == ["Breathe in. Breathe out."]
    pieces = split_text("word " * 40)
    assert all(len(p) <= CUE_CHARS for p in pieces)
    assert max(len(p) for p in pieces) - min(len(p) for p in pieces) <= 12


def test_caption_times_equal_the_say_events_in_a_rendered_timeline() -> None:
    events = (
        Event(0, 6000, "bell"),
        Event(6000, 9000, "say", "Hello there.", "a"),
        Event(9000, 12000, "inhale"),
        Event(12000, 3_600_500, "say", "And again.", "b"),
    )
    stamps = CUE_TIMES.findall(webvtt(events))
    assert [(_ms(a), _ms(b)) for a, b in stamps] == [(6000, 9000), (12000, 3_600_500)]


def test_a_cue_breaks_at_the_clause_not_mid_clause() -> None:
    # box-breathing: this cue was cut "…simply breathe" / "naturally and rejoin…"
    text = (
        "If holding feels uncomfortable, simply breathe naturally and rejoin when you are "
        "ready. My voice will guide the first two rounds."
    )
    assert text in LIBRARY_SAYS
    assert split_text(text) == [
        "If holding feels uncomfortable,",
        "simply breathe naturally and rejoin when you are ready.",
        "My voice will guide the first two rounds.",
    ]


def _clauses_around(words: list[str], gap: int) -> str:
    """The run of words between the clause (or sentence) boundaries either side of a gap."""
    start = gap
    while start > 0 and break_rank(words[start - 1], words[start]) > CLAUSE:
        start -= 1
    end = gap + 1
    while end < len(words) and break_rank(words[end - 1], words[end]) > CLAUSE:
        end += 1
    return " ".join(words[start:end])


@pytest.mark.parametrize("text", LIBRARY_SAYS, ids=lambda text: text[:30])
def test_library_cues_break_mid_clause_only_inside_a_clause_too_long_for_a_cue(
    text: str,
) -> None:
    cues = split_text(text)
    assert " ".join(cues) == " ".join(text.split())
    assert all(len(cue) <= CUE_CHARS for cue in cues)
    words, gap = text.split(), -1
    for cue in cues[:-1]:
        gap += len(cue.split())
        if break_rank(words[gap], words[gap + 1]) > CLAUSE:
            clause = _clauses_around(words, gap)
            assert not fits_two_lines(clause.split(), LINE_CHARS), (cue, text)


@pytest.mark.parametrize("text", LIBRARY_SAYS, ids=lambda text: text[:30])
def test_library_cues_show_as_at_most_two_lines_of_42(text: str) -> None:
    for block in webvtt([Event(0, 10_000, "say", text, "s")]).split("\n\n")[1:]:
        lines = block.strip().split("\n")[2:]
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= LINE_CHARS for line in lines), lines


def test_a_line_breaks_after_a_comma_when_both_lines_fit() -> None:
    cue = "If it does not suit you, simply breathe in your own way."
    block = webvtt([Event(0, 3000, "say", cue, "s")]).split("\n\n")[1]
    assert block.strip().split("\n")[2:] == [
        "If it does not suit you,",
        "simply breathe in your own way.",
    ]


def test_a_clause_too_long_for_a_cue_is_not_cut_to_leave_a_stub() -> None:
    text = (
        "In this practice you listen to yourself the way a caring friend might listen to you, "
        "with patience and without trying to fix anything. You can stop at any time."
    )
    assert text in LIBRARY_SAYS
    cues = split_text(text)
    assert not any(cue.startswith("you,") for cue in cues), cues
    assert cues[-1] == "You can stop at any time."
