"""WebVTT captions from the timeline's spoken events, at the times they are heard.

A long say is split into cues of at most two lines of ~42 characters, breaking after sentences
where possible; each cue gets a share of the event's time in proportion to its length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Event, Timeline

LINE_CHARS = 42
CUE_CHARS = 2 * LINE_CHARS


def timestamp(ms: int) -> str:
    """12345678 -> "03:25:45.678" (WebVTT's HH:MM:SS.mmm)."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _wrap(words: list[str], width: int) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _even_split(sentence: str, limit: int) -> list[str]:
    """A sentence longer than `limit` in near-equal pieces, so no cue is a lonely word or two."""
    if len(sentence) <= limit:
        return [sentence] if sentence else []
    words = sentence.split()
    parts = -(-len(sentence) // limit)
    while True:
        # the narrowest wrap that still needs only `parts` pieces gives the most even pieces
        for width in range(-(-len(sentence) // parts), limit + 1):
            pieces = _wrap(words, width)
            if len(pieces) <= parts:
                return pieces
        parts += 1


def split_text(text: str, limit: int = CUE_CHARS) -> list[str]:
    """Cue texts of at most `limit` characters (two lines); whole sentences share a cue when
    they fit, and a long sentence is cut into even pieces."""
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?…;:])\s+", " ".join(text.split())):
        pieces.extend(_even_split(sentence, limit))
    cues: list[str] = []
    for piece in pieces:
        if cues and len(cues[-1]) + 1 + len(piece) <= limit:
            cues[-1] += " " + piece
        else:
            cues.append(piece)
    return cues


def _lines(cue: str) -> str:
    """Break a cue into at most two lines near the middle."""
    if len(cue) <= LINE_CHARS:
        return cue
    words = cue.split()
    best, best_score = 1, len(cue)
    for i in range(1, len(words)):
        first, second = " ".join(words[:i]), " ".join(words[i:])
        score = max(len(first), len(second))
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
