"""Refuse JSON nested deeper than `MAX_JSON_DEPTH` before anything decodes it.

Python's JSON decoder recurses once per level, so a 2 KB body of `[` would end in a
RecursionError (a 500) on any endpoint, signed in or not. No body of ours nests past a handful
of levels; the scan below is cheap: strings are cut out by one regular expression, every byte
but brackets is dropped, and only the brackets left are counted."""

from __future__ import annotations

import re
from itertools import accumulate, repeat
from operator import sub

from flask import Flask, request
from flask_smorest import abort

MAX_JSON_DEPTH = 32

# A JSON string, escapes included; written as an unrolled loop, which `re` runs quickly.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# An opening bracket becomes 2 and a closing one 0, so each minus 1 is the change in depth.
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_CHUNK = 1 << 16


def nesting_depth(body: bytes, *, stop_above: int = MAX_JSON_DEPTH) -> int:
    """The deepest nesting of arrays and objects in `body`, outside strings; the scan stops
    once past `stop_above`. For malformed JSON the number may be larger than what a decoder
    would reach before it stops, never smaller."""
    outside_strings = _STRING.sub(b"", body).split(b'"', 1)[0]  # an unclosed string runs on
    steps = outside_strings.translate(None, _NOT_BRACKETS).translate(_STEPS)
    depth = deepest = 0
    # A running sum in C (itertools and operator, no Python step per byte), a chunk at a
    # time so that a body of nothing but `[` stops early.
    for start in range(0, len(steps), _CHUNK):
        chunk = steps[start : start + _CHUNK]
        sums = list(accumulate(map(sub, chunk, repeat(1)), initial=depth))
        depth, deepest = sums[-1], max(deepest, max(sums))
        if deepest > stop_above:
            break
    return deepest


def refuse_deep_json(app: Flask, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Check every JSON request body before a view (or webargs) decodes it: 400 past `limit`."""

    @app.before_request
    def check_json_depth() -> None:
        body = request.get_data(cache=True) if request.is_json else b""
        if nesting_depth(body, stop_above=limit) > limit:
            abort(
                400,
                message=f"The JSON body nests arrays and objects more than {limit} levels "
                "deep; no request needs that many. Send a flatter body.",
            )
