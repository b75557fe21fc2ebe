"""Timelines: hand-computed layouts, length errors, validation warnings, and properties."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio_scripts import (
    Bell,
    Breathe,
    BreathPattern,
    Event,
    Pause,
    Say,
    Script,
    ScriptError,
    ScriptInvalid,
    Segment,
    build_timeline,
    check_lengths,
    check_script,
    estimate_speech_ms,
)
from audio_scripts.timeline import cycle_ms


def script_of(*segments: Segment, lengths: tuple[int, ...] = (1,), **extra: object) -> Script:
    return Script(
        slug="t",
        title="T",
        kind="breathing",
        summary="",
        language="en",
        voice="default",
        lengths=lengths,
        segments=segments,
        **extra,  # type: ignore[arg-type]
    )


def spans(events: tuple[Event, ...]) -> list[tuple[str, int, int]]:
    return [(e.type, e.at_ms, e.until_ms) for e in events]


TEN_SECOND_BREATH = BreathPattern(4, 0, 6, 0)

# -- hand-computed layouts ------------------------------------------------------------------


def test_flexible_pause_takes_all_spare_time() -> None:
    script = script_of(
        Say("a", "Hello."),
        Pause("p", seconds=4),
        Pause("f", min_seconds=10, weight=1),
        Bell("b", seconds=6),
    )
    timeline = build_timeline(script, 1, {"a": 5000})
    assert timeline.duration_ms == 60_000
    assert spans(timeline.events) == [
        ("say", 0, 5000),
        ("pause", 5000, 9000),
        ("pause", 9000, 54_000),
        ("bell", 54_000, 60_000),
    ]


def test_say_events_carry_text_and_segment_id() -> None:
    timeline = build_timeline(script_of(Say("a", "Hello."), Pause("f", weight=1)), 1, {"a": 5000})
    assert timeline.events[0] == Event(0, 5000, "say", text="Hello.", segment_id="a")


def test_flexible_pauses_share_spare_time_by_weight() -> None:
    script = script_of(
        Say("a", "Hi."),
        Pause("one", min_seconds=5, weight=1),
        Pause("two", weight=2),
    )
    timeline = build_timeline(script, 1, {"a": 25_000})  # spare: 60 − 25 − 5 = 30 s
    assert spans(timeline.events) == [
        ("say", 0, 25_000),
        ("pause", 25_000, 40_000),  # 5 s minimum + 10 s
        ("pause", 40_000, 60_000),  # 20 s
    ]


def test_uneven_split_still_adds_up_to_the_length() -> None:
    script = script_of(Pause("a", weight=1), Pause("b", weight=1), Pause("c", weight=1))
    timeline = build_timeline(script, 1, {})
    assert [e.until_ms - e.at_ms for e in timeline.events] == [20_000, 20_000, 20_000]
    script = script_of(Say("s", "Hi."), *script.segments)
    durations = [e.until_ms - e.at_ms for e in build_timeline(script, 1, {"s": 1}).events[1:]]
    assert sorted(durations) == [19_999, 20_000, 20_000]


def test_fixed_breathing_gives_its_cycles() -> None:
    script = script_of(Breathe("b", BreathPattern(4, 7, 8, 0), cycles=2), Pause("f", weight=1))
    timeline = build_timeline(script, 1, {})
    assert spans(timeline.events) == [
        ("inhale", 0, 4000),
        ("hold", 4000, 11_000),
        ("exhale", 11_000, 19_000),
        ("inhale", 19_000, 23_000),
        ("hold", 23_000, 30_000),
        ("exhale", 30_000, 38_000),
        ("pause", 38_000, 60_000),
    ]


def test_holds_of_zero_are_left_out_and_both_holds_appear_when_set() -> None:
    script = script_of(Breathe("b", BreathPattern(4, 4, 4, 4), cycles=1), Pause("f", weight=1))
    timeline = build_timeline(script, 1, {})
    assert [e.type for e in timeline.events] == ["inhale", "hold", "exhale", "hold", "pause"]


def test_second_inhale_is_another_inhale_straight_after_the_first() -> None:
    pattern = BreathPattern(2, 0, 6, 0, second_inhale=1)
    script = script_of(Breathe("b", pattern, cycles=2), Pause("f", weight=1))
    timeline = build_timeline(script, 1, {})
    assert spans(timeline.events)[:6] == [
        ("inhale", 0, 2000),
        ("inhale", 2000, 3000),
        ("exhale", 3000, 9000),
        ("inhale", 9000, 11_000),
        ("inhale", 11_000, 12_000),
        ("exhale", 12_000, 18_000),
    ]


def test_fill_breathing_uses_whole_cycles_and_pauses_after_with_the_rest() -> None:
    script = script_of(Say("a", "Breathe."), Breathe("b", TEN_SECOND_BREATH, fill=1))
    timeline = build_timeline(script, 1, {"a": 5000})  # 55 s spare: 5 cycles and 5 s over
    breaths = [e for e in timeline.events if e.type in ("inhale", "exhale")]
    assert len(breaths) == 10
    assert spans(timeline.events)[-2:] == [("exhale", 49_000, 55_000), ("pause", 55_000, 60_000)]
    assert timeline.events[-1].segment_id == "b"


def test_fill_breathing_leftover_goes_to_flexible_pauses() -> None:
    script = script_of(
        Say("a", "Breathe."), Breathe("b", TEN_SECOND_BREATH, fill=1), Pause("f", weight=1)
    )
    # 55 s spare, 27.5 s each: breathing takes 2 cycles (20 s), the pause 27.5 + 7.5 s.
    timeline = build_timeline(script, 1, {"a": 5000})
    assert spans(timeline.events)[-1] == ("pause", 25_000, 60_000)
    assert len([e for e in timeline.events if e.type == "inhale"]) == 2


def test_fill_breathing_always_gets_one_cycle_even_below_its_share() -> None:
    script = script_of(
        Say("a", "Breathe."), Breathe("b", TEN_SECOND_BREATH, fill=1), Pause("f", weight=9)
    )
    timeline = build_timeline(script, 1, {"a": 5000})  # breathing's share is 5.5 s
    assert spans(timeline.events)[1:] == [
        ("inhale", 5000, 9000),
        ("exhale", 9000, 15_000),
        ("pause", 15_000, 60_000),
    ]


def test_zero_length_flexible_pause_is_left_out() -> None:
    timeline = build_timeline(script_of(Say("a", "Hi."), Pause("f", weight=1)), 1, {"a": 60_000})
    assert spans(timeline.events) == [("say", 0, 60_000)]


def test_fixed_script_within_two_percent_keeps_its_own_length() -> None:
    script = script_of(Say("a", "Hi."), Bell("b", seconds=2))
    assert build_timeline(script, 1, {"a": 59_000}).duration_ms == 61_000


def test_timeline_can_be_built_for_a_length_not_listed() -> None:
    script = script_of(Say("a", "Hi."), Pause("f", weight=1), lengths=(1,))
    assert build_timeline(script, 7, {"a": 1000}).duration_ms == 420_000


def test_timeline_json_shape() -> None:
    timeline = build_timeline(script_of(Say("a", "Hi."), Pause("f", weight=1)), 1, {"a": 1000})
    assert timeline.as_json() == {
        "duration_ms": 60_000,
        "events": [
            {"at_ms": 0, "until_ms": 1000, "type": "say", "text": "Hi."},
            {"at_ms": 1000, "until_ms": 60_000, "type": "pause"},
        ],
    }


def test_missing_speech_duration_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match='no speech duration given for say segment "a"'):
        build_timeline(script_of(Say("a", "Hi."), Pause("f", weight=1)), 1, {})


# -- lengths that cannot be met -------------------------------------------------------------


def overflowing_script() -> Script:
    return script_of(
        Say("a", "Long."), Pause("f", weight=1), lengths=(3, 5), length_marks=((6, 10), (6, 13))
    )


def test_overflow_names_the_length_and_amount_at_its_entry() -> None:
    errors = check_lengths(overflowing_script(), {"a": 221_000})
    assert [str(e) for e in errors] == [
        "line 6, column 10: length 3 min cannot fit: the fixed parts last 3m41s, 41s too long"
    ]


def test_overflow_counts_minimum_pauses_and_one_breath_cycle() -> None:
    script = script_of(
        Say("a", "Hi."),
        Pause("f", min_seconds=30, weight=1),
        Breathe("b", TEN_SECOND_BREATH, fill=1),
    )
    [error] = check_lengths(script, {"a": 25_000})
    assert error.message == (
        "length 1 min cannot fit: the fixed parts and minimums last 1m5s, 5s too long"
    )


def test_build_timeline_raises_script_invalid_for_overflow() -> None:
    with pytest.raises(ScriptInvalid) as caught:
        build_timeline(overflowing_script(), 3, {"a": 221_000})
    assert caught.value.errors == [
        ScriptError(6, 10, "length 3 min cannot fit: the fixed parts last 3m41s, 41s too long")
    ]


def test_small_overflow_is_given_in_tenths_of_a_second() -> None:
    [error] = check_lengths(overflowing_script(), {"a": 180_250})
    assert error.message.endswith("last 3m, 0.3s too long")


def test_all_fixed_script_too_short_suggests_a_flexible_pause() -> None:
    script = script_of(Say("a", "Hi."), lengths=(1,), length_marks=((4, 11),))
    [error] = check_lengths(script, {"a": 50_000})
    assert (error.line, error.column) == (4, 11)
    assert error.message.startswith(
        "length 1 min cannot be met: the script has only fixed parts, which last 50s, 10s short"
    )
    assert "flexible pause" in error.message


def test_all_fixed_script_too_long() -> None:
    [error] = check_lengths(script_of(Say("a", "Hi.")), {"a": 62_000})
    assert error.message == "length 1 min cannot fit: the fixed parts last 1m2s, 2s too long"


def test_all_fixed_script_within_two_percent_has_no_error() -> None:
    assert check_lengths(script_of(Say("a", "Hi.")), {"a": 61_000}) == []


# -- estimates and check_script -------------------------------------------------------------


def test_speech_estimate_is_about_150_words_a_minute() -> None:
    assert 60_000 <= estimate_speech_ms(" ".join(["word"] * 150)) <= 63_000


def test_speech_estimate_is_never_tiny() -> None:
    assert estimate_speech_ms("Hi") >= 1000


def test_speech_estimate_allows_for_punctuation() -> None:
    assert estimate_speech_ms("Breathe in, and out.") > estimate_speech_ms("Breathe in and out")


CHECKED = """\
slug: check-me
title: Check me
kind: breathing
lengths: [5, 3]
segments:
  - say: Settle in.
  - breathe: {pattern: [4, 0, 6, 0], fill: 1}
  - pause: {min: 4s}
  - say: Well done.
"""


def test_check_script_gives_estimated_duration_per_length() -> None:
    checked = check_script(CHECKED)
    assert checked.durations == {3: 180_000, 5: 300_000}
    assert checked.script.slug == "check-me"
    assert checked.warnings == []


def test_check_script_reports_parse_errors() -> None:
    with pytest.raises(ScriptInvalid) as caught:
        check_script(CHECKED.replace("kind: breathing", "kind: breath"))
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, 7)]


def test_check_script_reports_a_length_that_cannot_fit_at_its_entry() -> None:
    source = CHECKED.replace("fill: 1", "cycles: 20")  # 200 s of breathing
    with pytest.raises(ScriptInvalid) as caught:
        check_script(source)
    [error] = caught.value.errors
    assert (error.line, error.column) == (4, 14)
    assert error.message.startswith("length 3 min cannot fit: the fixed parts and minimums last")


def test_check_script_warns_about_say_without_sentence_end() -> None:
    checked = check_script(CHECKED.replace("Settle in.", "Settle in"))
    assert checked.warnings == [
        "line 6: say text does not end with . ! or ?, so the voice may sound cut off"
    ]


def test_check_script_accepts_sentence_end_inside_closing_quote() -> None:
    assert check_script(CHECKED.replace("Settle in.", "'Say “rest.”'")).warnings == []


def test_check_script_warns_about_a_flexible_pause_left_under_two_seconds() -> None:
    source = CHECKED.replace(
        "breathe: {pattern: [4, 0, 6, 0], fill: 1}", "pause: {weight: 100}"
    ).replace("pause: {min: 4s}", "pause: {weight: 1}")
    assert check_script(source).warnings == [
        "line 8: this flexible pause gets only 1.8s at 3 min; give it a min (like min: 3s) "
        "or make that length longer"
    ]


def test_check_script_warns_when_fill_breathing_fits_only_one_cycle() -> None:
    source = CHECKED.replace("fill: 1}", "fill: 0.01}")
    assert check_script(source).warnings == ["line 7: this breathing fits only one cycle at 3 min"]


# -- properties -----------------------------------------------------------------------------

seconds = st.integers(min_value=100, max_value=12_000).map(lambda ms: ms / 1000)
optional_phase = st.one_of(st.just(0.0), seconds)
patterns = st.builds(
    BreathPattern,
    inhale=seconds,
    hold_in=optional_phase,
    exhale=seconds,
    hold_out=optional_phase,
    second_inhale=optional_phase,
)
weights = st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 10.0])


@st.composite
def segment_kinds(draw: st.DrawFn, sid: str) -> Segment:
    kind = draw(st.sampled_from(["say", "fixed", "flex", "cycles", "fill", "bell"]))
    if kind == "say":
        return Say(sid, draw(st.sampled_from(["Breathe in.", "Rest here.", "Notice the feet."])))
    if kind == "fixed":
        return Pause(sid, seconds=draw(st.integers(500, 30_000)) / 1000)
    if kind == "flex":
        return Pause(sid, min_seconds=draw(st.integers(0, 20_000)) / 1000, weight=draw(weights))
    if kind == "cycles":
        return Breathe(sid, draw(patterns), cycles=draw(st.integers(1, 8)))
    if kind == "fill":
        return Breathe(sid, draw(patterns), fill=draw(weights))
    return Bell(sid, seconds=draw(st.integers(1000, 10_000)) / 1000)


@st.composite
def scripts_with_speech(draw: st.DrawFn) -> tuple[Script, dict[str, int], int]:
    count = draw(st.integers(1, 12))
    segments = tuple(draw(segment_kinds(f"s{n}")) for n in range(1, count + 1))
    speech = {s.id: draw(st.integers(300, 20_000)) for s in segments if isinstance(s, Say)}
    return script_of(*segments), speech, draw(st.integers(1, 30))


def is_flexible(segment: Segment) -> bool:
    return isinstance(segment, Pause | Breathe) and segment.flexible


def minimum_ms(script: Script, speech: dict[str, int]) -> int:
    """Fixed parts, flexible-pause minimums and one cycle of each filling breath, as specified."""
    total = 0
    for s in script.segments:
        if isinstance(s, Say):
            total += speech[s.id]
        elif isinstance(s, Pause):
            total += round(1000 * (s.min_seconds if s.flexible else (s.seconds or 0)))
        elif isinstance(s, Breathe):
            total += cycle_ms(s.pattern) * (s.cycles or 1)
        else:
            total += round(1000 * s.seconds)
    return total


def fits(script: Script, speech: dict[str, int], minutes: int) -> bool:
    target, minimum = minutes * 60_000, minimum_ms(script, speech)
    if any(is_flexible(s) for s in script.segments):
        return minimum <= target
    return abs(minimum - target) <= 0.02 * target


@settings(max_examples=300, deadline=None)
@given(scripts_with_speech())
def test_timeline_is_contiguous_from_zero_and_exact_when_flexible(
    case: tuple[Script, dict[str, int], int],
) -> None:
    script, speech, minutes = case
    if not fits(script, speech, minutes):
        with pytest.raises(ScriptInvalid):
            build_timeline(script, minutes, speech)
        return
    timeline = build_timeline(script, minutes, speech)
    now = 0
    for event in timeline.events:
        assert event.at_ms == now
        assert event.until_ms > event.at_ms
        now = event.until_ms
    assert now == timeline.duration_ms
    if any(is_flexible(s) for s in script.segments):
        assert timeline.duration_ms == minutes * 60_000
    else:
        assert abs(timeline.duration_ms - minutes * 60_000) <= 0.02 * minutes * 60_000


@settings(max_examples=300, deadline=None)
@given(scripts_with_speech())
def test_breathing_blocks_hold_whole_cycles(case: tuple[Script, dict[str, int], int]) -> None:
    script, speech, minutes = case
    if not fits(script, speech, minutes):
        return
    timeline = build_timeline(script, minutes, speech)
    breath_ms: dict[str, int] = defaultdict(int)
    for event in timeline.events:
        if event.type in ("inhale", "hold", "exhale"):
            breath_ms[event.segment_id or ""] += event.until_ms - event.at_ms
    for segment in script.segments:
        if isinstance(segment, Breathe):
            cycles, rest = divmod(breath_ms[segment.id], cycle_ms(segment.pattern))
            assert rest == 0
            assert cycles >= 1
            if segment.cycles is not None:
                assert cycles == segment.cycles


@settings(max_examples=200, deadline=None)
@given(patterns, st.integers(1, 20), st.integers(1000, 30_000))
def test_lone_fill_breathing_leaves_less_than_a_cycle_unused(
    pattern: BreathPattern, minutes: int, said_ms: int
) -> None:
    script = script_of(Say("a", "Breathe."), Breathe("b", pattern, fill=1))
    if said_ms + cycle_ms(pattern) > minutes * 60_000:
        return
    timeline = build_timeline(script, minutes, {"a": said_ms})
    last = timeline.events[-1]
    unused = last.until_ms - last.at_ms if last.type == "pause" else 0
    assert unused < cycle_ms(pattern)
    assert timeline.duration_ms == minutes * 60_000


@settings(max_examples=200, deadline=None)
@given(scripts_with_speech())
def test_say_events_appear_once_each_in_script_order(
    case: tuple[Script, dict[str, int], int],
) -> None:
    script, speech, minutes = case
    if not fits(script, speech, minutes):
        return
    timeline = build_timeline(script, minutes, speech)
    said = [(e.segment_id, e.text) for e in timeline.events if e.type == "say"]
    assert said == [(s.id, s.text) for s in script.segments if isinstance(s, Say)]
