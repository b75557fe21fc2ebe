"""WebVTT captions from the timeline's spoken events, at the times they are heard.

A long say is split into cues of at most two lines of 42 characters. Cues break where a
reader pauses: after a sentence, else after a clause (a comma, semicolon, colon or dash), else
before a joining word ("and", "when" …), and only when nothing else fits between two words;
each cue gets a share of the event's time in proportion to its length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Event, Timeline

LINE_CHARS = 42
CUE_CHARS = 2 * LINE_CHARS

# How good a break after a word is, best first.
SENTENCE, CLAUSE, PHRASE, WORD = range(4)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_CLAUSE_END = re.compile(r"([,;:—–]|--)[\"'”’)\]]*$")
_DASH = re.compile(r"^(—|–|--)$")
JOINING_WORDS = frozenset(
    [
        "and",
        "but",
        "or",
        "so",
        "then",
        "as",
        "while",
        "when",
        "until",
        "because",
        "if",
        "though",
        "although",
        "without",
        "with",
        "before",
        "after",
        "where",
        "which",
        "that",
        "like",
    ]
)


def timestamp(ms: int) -> str:
    """12345678 -> "03:25:45.678" (WebVTT's HH:MM:SS.mmm)."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def break_rank(word: str, following: str) -> int:
    """How good a cue or line break between `word` and `following` is (SENTENCE best)."""
    if _SENTENCE_END.search(word):
        return SENTENCE
    if _CLAUSE_END.search(word) or _DASH.match(following):
        return CLAUSE
    if following.lower().strip("\"'“‘(") in JOINING_WORDS:
        return PHRASE
    return WORD


def fits_two_lines(words: list[str], width: int) -> bool:
    """Whether the words wrap into at most two lines of `width` characters."""
    total = len(" ".join(words))
    if total <= width:
        return True
    first = -1
    for word in words[:-1]:
        first += len(word) + 1
        if first > width:
            return False
        if total - first - 1 <= width:
            return True
    return False


STUB_CHARS = 16  # a break inside a clause leaves no piece of it shorter than this, if it can

Cost = tuple[int, int, int, int, int, int]


def _gap_costs(words: list[str]) -> list[Cost]:
    """What breaking after each word adds to a split's cost (see `split_text`)."""
    ranks = [break_rank(words[i], words[i + 1]) for i in range(len(words) - 1)] + [SENTENCE]
    # characters from the clause's start to each gap, and from each gap to the clause's end
    before, run = [], -1
    for word, rank in zip(words, ranks, strict=True):
        run += len(word) + 1
        before.append(run)
        if rank <= CLAUSE:
            run = -1
    after, run = [0] * len(words), -1
    for i in range(len(words) - 1, 0, -1):
        run = -1 if ranks[i] <= CLAUSE else run
        run += len(words[i]) + 1
        after[i - 1] = run
    costs: list[Cost] = []
    for rank, left, right in zip(ranks, before, after, strict=True):
        stub = rank > CLAUSE and min(left, right) < STUB_CHARS
        costs.append((int(rank == WORD), int(stub), int(rank == PHRASE), 1, int(rank == CLAUSE), 0))
    return costs


def split_text(text: str, limit: int = CUE_CHARS) -> list[str]:
    """Cue texts that fit two lines of `limit // 2` characters (a longer single word stands
    alone).

    Of all the ways to cut the text, the one chosen has, in this order: the fewest breaks
    between words of a clause, the fewest such breaks that leave a stub of a clause, the fewest
    before joining words, the fewest cues, the fewest clause breaks (sentences preferred),
    and the most even cue lengths.
    """
    words = text.split()
    gaps = _gap_costs(words)
    # best[j]: the least cost of cutting words[:j] into cues, and where its last cue starts
    best: list[tuple[Cost, int] | None] = [None] * (len(words) + 1)
    best[0] = ((0, 0, 0, 0, 0, 0), 0)
    for j in range(1, len(words) + 1):
        length = -1
        for i in range(j - 1, -1, -1):
            length += len(words[i]) + 1
            if length > limit and i < j - 1:
                break
            previous = best[i]
            if previous is None or not (i == j - 1 or fits_two_lines(words[i:j], limit // 2)):
                continue
            step = (*gaps[j - 1][:5], length * length)
            cost = tuple(a + b for a, b in zip(previous[0], step, strict=True))
            if best[j] is None or cost < best[j][0]:  # type: ignore[index]
                best[j] = (cost, i)  # type: ignore[assignment]
    cues: list[str] = []
    j = len(words)
    while j > 0:
        start = best[j][1]  # type: ignore[index]
        cues.append(" ".join(words[start:j]))
        j = start
    return cues[::-1]


def _lines(cue: str) -> str:
    """Break a cue into at most two lines of `LINE_CHARS`, at the best boundary that fits,
    else near the middle."""
    if len(cue) <= LINE_CHARS:
        return cue
    words = cue.split()
    best, best_score = 1, (len(cue), WORD, len(cue))
    for i in range(1, len(words)):
        first, second = " ".join(words[:i]), " ".join(words[i:])
        longest = max(len(first), len(second))
        score = (max(0, longest - LINE_CHARS), break_rank(words[i - 1], words[i]), longest)
        if score < best_score:
            best, best_score = i, score
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def cues_for(event: Event) -> list[tuple[int, int, str]]:
    """(start_ms, end_ms, text) cues covering one say event, time shared by characters."""
    pieces = split_text(event.text or "")
    if not pieces:
        return []
    total = sum(len(p) for p in pieces)
    span = event.until_ms - event.at_ms
    cues, start, used = [], event.at_ms, 0
    for i, piece in enumerate(pieces):
        used += len(piece)
        end = event.until_ms if i == len(pieces) - 1 else event.at_ms + span * used // total
        cues.append((start, end, piece))
        start = end
    return cues


def webvtt(events: Iterable[Event]) -> str:
    """The WebVTT document for the say events among `events`."""
    blocks = ["WEBVTT\n"]
    number = 0
    for event in events:
        if event.type != "say":
            continue
        for start, end, text in cues_for(event):
            number += 1
            blocks.append(f"{number}\n{timestamp(start)} --> {timestamp(end)}\n{_lines(text)}\n")
    return "\n".join(blocks)


def captions(timeline: Timeline) -> str:
    return webvtt(timeline.events)
