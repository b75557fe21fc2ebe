"""WebVTT captions: cues at the say events' times, long texts split into short cues."""

from __future__ import annotations

import itertools
import re

from audio_scripts.captions import CUE_CHARS, cues_for, split_text, timestamp, webvtt
from audio_scripts.model import Event, Timeline

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
