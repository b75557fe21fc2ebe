"""The sentence splitter behind the narration cache: careful at abbreviations, and never
splitting where Piper itself would not (so a sentence synthesised alone sounds the same)."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_scripts import Say, parse
from audio_scripts.sentences import split_sentences
from audio_scripts.voices import PiperNarrator

CONTENT = Path(__file__).resolve().parents[3] / "content"

CASES = [
    ("Welcome. Let yourself arrive.", ["Welcome.", "Let yourself arrive."]),
    ("Really? Yes! Good.", ["Really?", "Yes!", "Good."]),
    ("Is it hard? No. That is fine.", ["Is it hard?", "No.", "That is fine."]),
    ('He said "stop." Then he rested.', ['He said "stop."', "Then he rested."]),
    ('Say it. "Goodbye," she said.', ["Say it.", '"Goodbye," she said.']),
    ("Breathe (slowly.) Then rest.", ["Breathe (slowly.)", "Then rest."]),
    ("Count to 4. 5 is next.", ["Count to 4.", "5 is next."]),
    (
        "Talk to Mr. Lee, or to Dr. Shah. Then rest.",
        ["Talk to Mr. Lee, or to Dr. Shah.", "Then rest."],
    ),
    (
        "Use a pen, e.g. A soft pencil. Or i.e. Something else.",
        ["Use a pen, e.g. A soft pencil.", "Or i.e. Something else."],
    ),
    ("Ask J. Smith. So do I. Then rest.", ["Ask J. Smith.", "So do I.", "Then rest."]),
    ("It takes 2.5 minutes. Then stop.", ["It takes 2.5 minutes.", "Then stop."]),
    ("Wait... Then breathe.", ["Wait... Then breathe."]),
    ("Wait… Then breathe. Good.", ["Wait… Then breathe.", "Good."]),
    ("Wait... and then breathe.", ["Wait... and then breathe."]),
    ("Count to four.Then hold.", ["Count to four.Then hold."]),
    ("Is it? no.", ["Is it? no."]),
    ("  One.\n\n  Two.  ", ["One.", "Two."]),
    ("No stop at the end", ["No stop at the end"]),
    ("", []),
]


@pytest.mark.parametrize(("text", "sentences"), CASES, ids=[c[0][:24] for c in CASES])
def test_sentences_end_at_a_stop_before_a_capital_or_a_quote(
    text: str, sentences: list[str]
) -> None:
    assert split_sentences(text) == sentences


def _library_says() -> list[str]:
    return [
        segment.text
        for path in sorted(CONTENT.glob("*.yaml"))
        for segment in parse(path.read_text(encoding="utf-8")).segments
        if isinstance(segment, Say) and segment.text
    ]


def test_the_sentences_give_the_text_back() -> None:
    for text in _library_says():
        assert " ".join(split_sentences(text)) == " ".join(text.split())


def test_the_library_splits_exactly_where_piper_does(narrator: PiperNarrator) -> None:
    """Piper synthesises each of its own sentences with no context from the others; in the
    built-in library the splitter finds exactly those sentences."""
    piper = narrator._load()
    says = _library_says()
    assert sum(len(split_sentences(t)) > 1 for t in says) > 50  # most says are paragraphs
    for text in says:
        assert len(split_sentences(text)) == len(piper.phonemize(text)), text


@pytest.mark.parametrize(
    "text", [c[0] for c in CASES if c[0]], ids=[c[0][:24] for c in CASES if c[0]]
)
def test_no_sentence_boundary_is_one_that_piper_would_not_make(
    narrator: PiperNarrator, text: str
) -> None:
    """Piper's sentences of the whole text are its sentences of each part, put together: so
    a part synthesised alone sounds as it does in the whole (Piper may split a part further)."""
    piper = narrator._load()
    # (with its white space as the sentences leave it: espeak-ng reads a line break as the end
    # of a paragraph and drops the stop before it)
    whole = piper.phonemize(" ".join(text.split()))
    parts = [sentence for part in split_sentences(text) for sentence in piper.phonemize(part)]
    assert parts == whole
