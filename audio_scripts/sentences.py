"""Split a say text into the sentences the narration cache keeps one by one.

A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets after it) followed by
white space and a capital letter, a digit or an opening quote. These do not end one:

- a title or a Latin abbreviation: "Mr. Lee", "e.g. A pen" (see `ABBREVIATIONS`);
- an initial: "J. Smith" (but "so do I. Then" ends one);
- an ellipsis, `…` or `...`: Piper (espeak-ng) reads it as a pause inside the sentence, so
  "Wait… Then breathe." is one sentence to it, and splitting there would change how it sounds;
- a decimal or anything else with no space after the stop: "2.5", "four.Then".

Every boundary here is one that Piper makes itself (it synthesises each of its sentences on
its own, with no context from the one before), so a sentence synthesised alone sounds as it
does inside the whole text. Piper splits in a few places this does not ("Mr. Smith"); such a
sentence simply comes back from Piper in two pieces.
"""

from __future__ import annotations

import re

# Lower-cased, without their final stop: never the end of a sentence.
ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "mx", "dr", "prof", "st", "sr", "jr", "mt", "e.g", "i.e", "cf", "vs",
     "approx"}
)  # fmt: skip

_BOUNDARY = re.compile(
    r"""(?P<stop>[.!?]+)[)\]"'”’»]*   # the stop and what closes after it
        (?P<space>\s+)
        (?=[A-Z0-9"'“‘«(\[])          # a capital, a digit or an opening quote next""",
    re.VERBOSE,
)
_WORD_BEFORE = re.compile(r"(\S+)$")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order; joined with single spaces they give the
    text back with its white space between sentences normalised. Empty text gives []."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _ends_sentence(text[start : match.start("stop")], match.group("stop")):
            sentences.append(text[start : match.start("space")].strip())
            start = match.end("space")
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _ends_sentence(before: str, stop: str) -> bool:
    if stop != ".":
        return not stop.startswith("..")  # "...", "?!" and "!" end it; "..." is an ellipsis
    word = _WORD_BEFORE.search(before)
    if word is None:
        return True
    token = word.group(1).lstrip("\"'“‘(«[")
    if token.endswith("…") or token.lower() in ABBREVIATIONS:
        return False
    return not (len(token) == 1 and token.isupper() and token != "I")  # an initial: "J. Smith"
