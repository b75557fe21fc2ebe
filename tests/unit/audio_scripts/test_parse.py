"""The script language: what parses to what, and the line/column error for each bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio_scripts import (
    Bell,
    Breathe,
    BreathPattern,
    Pause,
    Say,
    Script,
    ScriptError,
    ScriptInvalid,
    parse,
)

ARCHITECTURE_EXAMPLE = """\
slug: self-compassion-break          # [a-z0-9-]+, unique
title: A self-compassion break
kind: self-compassion                # mindfulness | breathing | self-compassion | body-scan | grounding | sleep
summary: Three short steps for a hard moment.
language: en
voice: default                       # Piper voice; recordings override it per segment
lengths: [3, 5, 10]                  # minutes; flexible pauses stretch to fit
segments:
  - say: Find a position that lets you be still for a few minutes.
  - pause: 4s
  - breathe: {pattern: [4, 0, 6, 0], cycles: 3, cue: tone}   # inhale, hold, exhale, hold (seconds)
  - say: This is a moment of difficulty.
  - pause: {min: 10s, weight: 2}     # flexible: takes a share of the spare time
  - bell: {}
"""  # noqa: E501 - quoted verbatim from ARCHITECTURE.md

HEADER = """\
slug: test-script
title: A test
kind: mindfulness
lengths: [3, 5]
segments:
"""
FIRST_SEGMENT_LINE = 6  # HEADER has five lines


def with_segments(segments: str) -> str:
    """A valid header followed by `segments`, a block of `  - ...` lines."""
    return HEADER + segments


def errors_of(source: str) -> list[ScriptError]:
    with pytest.raises(ScriptInvalid) as caught:
        parse(source)
    return caught.value.errors


def only_error(source: str) -> ScriptError:
    errors = errors_of(source)
    assert len(errors) == 1, errors
    return errors[0]


def first_segment(segments: str) -> object:
    return parse(with_segments(segments)).segments[0]


# -- what parses ----------------------------------------------------------------------------


def test_architecture_example_parses_to_expected_script() -> None:
    assert parse(ARCHITECTURE_EXAMPLE) == Script(
        slug="self-compassion-break",
        title="A self-compassion break",
        kind="self-compassion",
        summary="Three short steps for a hard moment.",
        language="en",
        voice="default",
        lengths=(3, 5, 10),
        segments=(
            Say(
                id="s1",
                text="Find a position that lets you be still for a few minutes.",
                line=9,
            ),
            Pause(id="s2", seconds=4.0, line=10),
            Breathe(
                id="s3",
                pattern=BreathPattern(4, 0, 6, 0),
                cycles=3,
                cue="tone",
                line=11,
            ),
            Say(id="s4", text="This is a moment of difficulty.", line=12),
            Pause(id="s5", min_seconds=10.0, weight=2.0, line=13),
            Bell(id="s6", line=14),
        ),
        background=None,
    )


def test_optional_keys_take_their_defaults() -> None:
    script = parse(with_segments("  - say: Hello.\n"))
    assert (script.summary, script.language, script.voice, script.background) == (
        "",
        "en",
        "default",
        None,
    )


def test_optional_keys_are_read_when_given() -> None:
    source = (
        "summary: Short.\nlanguage: en-GB\nvoice: /voices/amy.onnx\nbackground: rain.ogg\n"
        + with_segments("  - say: Hello.\n")
    )
    script = parse(source)
    assert (script.summary, script.language, script.voice, script.background) == (
        "Short.",
        "en-GB",
        "/voices/amy.onnx",
        "rain.ogg",
    )


def test_lengths_are_stored_sorted() -> None:
    source = with_segments("  - say: Hi.\n").replace("lengths: [3, 5]", "lengths: [10, 3, 5]")
    assert parse(source).lengths == (3, 5, 10)


def test_length_marks_point_at_each_entry() -> None:
    script = parse(with_segments("  - say: Hi.\n"))
    assert script.length_mark(3) == (4, 11)
    assert script.length_mark(5) == (4, 14)


def test_text_is_taken_as_written_not_as_yaml_boolean_or_number() -> None:
    script = parse(with_segments("  - say: Yes\n").replace("title: A test", "title: 2024"))
    assert script.title == "2024"
    assert script.segments[0] == Say(id="s1", text="Yes", line=FIRST_SEGMENT_LINE)


def test_say_mapping_form_carries_id_and_recording() -> None:
    segment = first_segment("  - say: {text: Welcome., id: intro, recording: intro.m4a}\n")
    assert segment == Say(id="intro", text="Welcome.", recording="intro.m4a", line=6)


def test_id_beside_the_verb_names_the_segment() -> None:
    assert first_segment("  - {say: Hello., id: intro}\n") == Say(id="intro", text="Hello.", line=6)


def test_id_beside_a_pause_names_it() -> None:
    assert first_segment("  - pause: 4s\n    id: settle\n") == Pause(id="settle", seconds=4, line=6)


def test_segments_without_ids_are_numbered_from_one() -> None:
    script = parse(with_segments("  - say: A.\n  - {say: B., id: b}\n  - bell:\n"))
    assert [s.id for s in script.segments] == ["s1", "b", "s3"]


def test_given_id_may_equal_its_own_derived_id() -> None:
    assert first_segment("  - {say: Hi., id: s1}\n").id == "s1"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("4s", 4.0), ("1m30s", 90.0), ("1m", 60.0), ("2.5", 2.5), ("3", 3.0), ("0.5s", 0.5)],
)
def test_fixed_pause_durations(written: str, seconds: float) -> None:
    assert first_segment(f"  - pause: {written}\n") == Pause(id="s1", seconds=seconds, line=6)


def test_flexible_pause_defaults_to_no_minimum_and_weight_one() -> None:
    assert first_segment("  - pause: {}\n") == Pause(id="s1", min_seconds=0, weight=1, line=6)


def test_flexible_pause_reads_min_and_weight() -> None:
    segment = first_segment("  - pause: {min: 1m, weight: 2.5}\n")
    assert segment == Pause(id="s1", min_seconds=60, weight=2.5, line=6)


def test_breathe_with_fill_and_second_inhale() -> None:
    segment = first_segment(
        "  - breathe: {pattern: [2, 0, 6.5, 0], second_inhale: 1, fill: 2, cue: voice}\n"
    )
    assert segment == Breathe(
        id="s1",
        pattern=BreathPattern(2, 0, 6.5, 0, second_inhale=1),
        fill=2,
        cue="voice",
        line=6,
    )


def test_breathe_cue_defaults_to_tone() -> None:
    segment = first_segment("  - breathe: {pattern: [4, 4, 4, 4], cycles: 4}\n")
    assert segment.cue == "tone"  # type: ignore[attr-defined]


@pytest.mark.parametrize("written", ["bell:", "bell: null", "bell: {}"])
def test_bell_without_seconds_uses_default(written: str) -> None:
    assert first_segment(f"  - {written}\n") == Bell(id="s1", line=6)


def test_bell_seconds() -> None:
    assert first_segment("  - bell: {seconds: 8}\n") == Bell(id="s1", seconds=8, line=6)


def test_recording_file_is_not_checked_here() -> None:
    segment = first_segment("  - say: {text: Hi., recording: missing/nowhere.m4a}\n")
    assert segment.recording == "missing/nowhere.m4a"  # type: ignore[attr-defined]


# -- the error shape ------------------------------------------------------------------------


def test_error_string_names_line_and_column() -> None:
    error = ScriptError(12, 5, 'pause must be at least 0.5s, got "-3s"')
    assert str(error) == 'line 12, column 5: pause must be at least 0.5s, got "-3s"'


def test_error_as_json() -> None:
    assert ScriptError(3, 7, "bad").as_json() == {"line": 3, "column": 7, "message": "bad"}


def test_script_invalid_message_joins_all_errors() -> None:
    exc = ScriptInvalid([ScriptError(2, 1, "b"), ScriptError(1, 1, "a")])
    assert str(exc) == "line 1, column 1: a; line 2, column 1: b"
    assert isinstance(exc, ValueError)


def test_all_errors_are_reported_not_just_the_first() -> None:
    source = with_segments("  - pause: -3s\n  - bell: {seconds: x}\n").replace(
        "kind: mindfulness", "kind: calm"
    )
    assert [(e.line, e.column) for e in errors_of(source)] == [(3, 7), (6, 12), (7, 21)]


# -- bad input, one error each --------------------------------------------------------------


def test_yaml_syntax_error_has_line_and_column() -> None:
    error = only_error("slug: a\ntitle: [unclosed\nkind: sleep\n")
    assert error.line == 3
    assert error.column >= 1
    assert error.message.startswith("YAML syntax error: ")


def test_tab_indentation_is_a_syntax_error_on_its_line() -> None:
    error = only_error("slug: a\n\ttitle: b\n")
    assert (error.line, error.column) == (2, 1)
    assert "YAML syntax error" in error.message


def test_empty_source_names_required_keys() -> None:
    error = only_error("")
    assert (error.line, error.column) == (1, 1)
    assert "slug, title, kind, lengths, segments" in error.message


def test_script_that_is_not_a_mapping() -> None:
    error = only_error("- say: hi\n")
    assert error.message.startswith("a script must be a mapping")


def test_missing_required_key() -> None:
    error = only_error(HEADER.replace("kind: mindfulness\n", "") + "  - say: Hi.\n")
    assert (error.line, error.message) == (1, 'missing required key "kind"')


def test_duplicate_key_is_rejected_where_repeated() -> None:
    error = only_error(with_segments("  - say: Hi.\n") + "title: Again\n")
    assert (error.line, error.column) == (7, 1)
    assert error.message == 'duplicate key "title" (first given on line 2)'


def test_duplicate_key_inside_a_segment_is_rejected() -> None:
    error = only_error(
        with_segments("  - breathe: {pattern: [4, 0, 4, 0], cycles: 2, cycles: 3}\n")
    )
    assert (error.line, error.column) == (6, 49)
    assert error.message.startswith('duplicate key "cycles"')


def test_wrong_type_says_what_was_expected_and_got() -> None:
    error = only_error(with_segments("  - say: Hi.\n").replace("title: A test", "title: [a, b]"))
    assert (error.line, error.column, error.message) == (2, 8, "title must be text, got a list")


def test_unknown_top_level_key_suggests_closest() -> None:
    error = only_error(HEADER.replace("segments:", "segmnts: []\nsegments:") + "  - say: Hi.\n")
    assert (error.line, error.column) == (5, 1)
    assert error.message == 'unknown key "segmnts"; did you mean "segments"?'


def test_unknown_key_without_close_match_lists_allowed_keys() -> None:
    error = only_error(with_segments("  - bell: {loudness: 3}\n"))
    assert error.message == 'unknown key "loudness"; allowed keys are seconds'


def test_unknown_verb_suggests_closest() -> None:
    error = only_error(with_segments("  - sya: Hi.\n"))
    assert (error.line, error.column) == (6, 5)
    assert error.message == 'unknown key "sya"; did you mean "say"?'


def test_negative_pause() -> None:
    error = only_error(with_segments("  - pause: -3s\n"))
    assert str(error) == 'line 6, column 12: pause must be at least 0.5s, got "-3s"'


def test_zero_pause() -> None:
    error = only_error(with_segments("  - pause: 0\n"))
    assert error.message == "pause must be at least 0.5s, got 0"


def test_too_short_pause() -> None:
    error = only_error(with_segments("  - pause: 0.2s\n"))
    assert error.message == 'pause must be at least 0.5s, got "0.2s"'


def test_unreadable_duration_lists_accepted_forms() -> None:
    error = only_error(with_segments("  - pause: abc\n"))
    assert (error.line, error.column) == (6, 12)
    assert error.message == 'pause must be a duration like 4s, 1m30s or 2.5 (seconds), got "abc"'


def test_empty_pause() -> None:
    error = only_error(with_segments("  - pause:\n"))
    assert "pause needs a duration like 4s" in error.message


def test_negative_flexible_pause_minimum() -> None:
    error = only_error(with_segments("  - pause: {min: -2s}\n"))
    assert (error.column, error.message) == (18, 'pause min must be 0 or more, got "-2s"')


def test_zero_flexible_pause_weight() -> None:
    error = only_error(with_segments("  - pause: {weight: 0}\n"))
    assert error.message == "pause weight must be more than 0, got 0"


def test_all_zero_breath_pattern() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [0, 0, 0, 0], cycles: 3}\n"))
    assert (error.line, error.column) == (6, 24)
    assert error.message.startswith("breath pattern is all zeros")


def test_breath_pattern_needs_four_numbers() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [4, 6], cycles: 3}\n"))
    assert error.message.endswith("like [4, 0, 6, 0]; got 2 numbers")


def test_breath_pattern_needs_an_inhale() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [0, 0, 6, 0], cycles: 3}\n"))
    assert (error.column, error.message) == (25, "the inhale must be longer than 0 seconds")


def test_breath_pattern_needs_an_exhale() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [4, 2, 0, 0], cycles: 3}\n"))
    assert (error.column, error.message) == (31, "the exhale must be longer than 0 seconds")


def test_negative_breath_phase() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [4, -1, 6, 0], cycles: 3}\n"))
    assert (error.column, error.message) == (
        28,
        "the hold after inhale must be 0 or more seconds, got -1",
    )


def test_breath_phase_must_be_a_number() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [4, x, 6, 0], cycles: 3}\n"))
    assert error.message == 'the hold after inhale must be a number, got "x"'


@pytest.mark.parametrize("cycles", ["0", "-2"])
def test_cycles_below_one(cycles: str) -> None:
    error = only_error(with_segments(f"  - breathe: {{pattern: [4, 0, 6, 0], cycles: {cycles}}}\n"))
    assert error.message == f"cycles must be 1 or more, got {cycles}"


def test_fractional_cycles() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [4, 0, 6, 0], cycles: 2.5}\n"))
    assert error.message == "cycles must be a whole number, got 2.5"


def test_breathe_with_both_cycles_and_fill() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [4, 0, 6, 0], cycles: 2, fill: 1}\n"))
    assert (error.column, error.message[:42]) == (14, "breathe needs either cycles: N (a fixed nu")


def test_breathe_with_neither_cycles_nor_fill() -> None:
    error = only_error(with_segments("  - breathe: {pattern: [4, 0, 6, 0]}\n"))
    assert error.message.startswith("breathe needs either cycles: N")


def test_unknown_cue_lists_the_allowed_ones() -> None:
    error = only_error(
        with_segments("  - breathe: {pattern: [4, 0, 6, 0], cycles: 2, cue: bell}\n")
    )
    assert error.message == 'cue must be one of tone, voice, none; got "bell"'


def test_unknown_kind_lists_the_allowed_ones() -> None:
    error = only_error(with_segments("  - say: Hi.\n").replace("kind: mindfulness", "kind: calm"))
    assert (error.line, error.column) == (3, 7)
    assert error.message == (
        "kind must be one of mindfulness, breathing, self-compassion, body-scan, grounding, "
        'sleep; got "calm"'
    )


@pytest.mark.parametrize("slug", ["Box_Breathing", "a b", "x" * 81])
def test_invalid_slug(slug: str) -> None:
    error = only_error(
        with_segments("  - say: Hi.\n").replace("slug: test-script", f"slug: {slug}")
    )
    assert (error.line, error.column) == (1, 7)
    assert error.message.startswith("slug must be 1-80 lowercase letters, digits and hyphens")


def test_invalid_language_tag() -> None:
    error = only_error("language: English\n" + with_segments("  - say: Hi.\n"))
    assert error.message == 'language must be a language tag like en or en-GB, got "English"'


def test_background_outside_sounds_folder() -> None:
    error = only_error("background: ../secrets.ogg\n" + with_segments("  - say: Hi.\n"))
    assert error.message.startswith("background must name a file under content/sounds")


def test_empty_segments() -> None:
    error = only_error(HEADER.replace("segments:", "segments: []"))
    assert (error.line, error.column) == (5, 11)
    assert error.message.startswith("segments must not be empty")


def test_overlong_say_text_states_the_limit() -> None:
    error = only_error(with_segments(f"  - say: {'a' * 1001}\n"))
    assert (error.line, error.column) == (6, 10)
    assert error.message.startswith("say text is 1001 characters; the limit is 1000")


def test_empty_say_text() -> None:
    error = only_error(with_segments('  - say: ""\n'))
    assert error.message == "say text must not be empty"


def test_duplicate_ids() -> None:
    error = only_error(with_segments("  - {say: A., id: x}\n  - {say: B., id: x}\n"))
    assert (error.line, error.column) == (7, 19)
    assert error.message == 'id "x" is already used on line 6; ids must be unique'


def test_invalid_id() -> None:
    error = only_error(with_segments("  - {say: A., id: Intro_1}\n"))
    assert error.message == 'id must be lowercase letters, digits and hyphens, got "Intro_1"'


def test_given_id_cannot_take_another_segments_derived_id() -> None:
    error = only_error(with_segments("  - {say: A., id: s2}\n  - say: B.\n"))
    assert error.message == 'id "s2" is the automatic id of the 2nd segment; choose another'


def test_id_given_twice_for_say() -> None:
    error = only_error(with_segments("  - say: {text: A., id: a}\n    id: b\n"))
    assert error.message == "give the id once: beside say or inside it, not both"


@pytest.mark.parametrize(
    ("lengths", "column", "message"),
    [
        ("[0, 5]", 11, "each length must be 1 to 120 minutes, got 0"),
        ("[3, 121]", 14, "each length must be 1 to 120 minutes, got 121"),
        ("[3, 2.5]", 14, "each length must be a whole number of minutes, got 2.5"),
        ("[3, -5]", 14, "each length must be 1 to 120 minutes, got -5"),
        ("[3, 3]", 14, "length 3 is listed twice"),
        ("5", 10, "lengths must be a list of minutes like [3, 5, 10], got 5"),
        ("[]", 10, "lengths must not be empty; give a list of minutes like [3, 5, 10]"),
    ],
)
def test_bad_lengths(lengths: str, column: int, message: str) -> None:
    error = only_error(
        with_segments("  - say: Hi.\n").replace("lengths: [3, 5]", f"lengths: {lengths}")
    )
    assert (error.line, error.column, error.message) == (4, column, message)


def test_segment_with_two_verbs_points_at_the_second() -> None:
    error = only_error(with_segments("  - say: Hi.\n    pause: 4s\n"))
    assert (error.line, error.column) == (7, 5)
    assert error.message.startswith("a segment has one verb, but the 1st segment has say and pause")


def test_segment_with_no_verb() -> None:
    error = only_error(with_segments("  - {id: lonely}\n"))
    assert (error.line, error.column) == (6, 5)
    assert error.message == "the 1st segment needs one of say, pause, breathe, bell"


def test_segment_that_is_plain_text() -> None:
    error = only_error(with_segments("  - Hello there.\n"))
    assert error.message.startswith("the 1st segment must be a mapping like `- say: Hello.`")


def test_bell_seconds_out_of_range() -> None:
    error = only_error(with_segments("  - bell: {seconds: 0}\n"))
    assert error.message == "bell seconds must be 1s to 60s, got 0"


def test_deeply_nested_yaml_is_an_error_not_a_crash() -> None:
    error = only_error("title: " + "[" * 5000)
    assert error.message == "the YAML is nested too deeply"


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("slug:title- []{},'\"#&*!|>\n\t 0123.5sm")), max_size=80)
)
def test_any_text_parses_or_raises_script_invalid(source: str) -> None:
    try:
        parse(source)
    except ScriptInvalid as exc:
        assert exc.errors
        assert all(e.line >= 1 and e.column >= 1 for e in exc.errors)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(ARCHITECTURE_EXAMPLE) - 1), st.sampled_from(list(" :-[]{}x0\n\t")))
def test_one_character_changed_in_a_valid_script_never_crashes(at: int, char: str) -> None:
    source = ARCHITECTURE_EXAMPLE[:at] + char + ARCHITECTURE_EXAMPLE[at + 1 :]
    try:
        parse(source)
    except ScriptInvalid as exc:
        assert all(e.line >= 1 and e.column >= 1 for e in exc.errors)
