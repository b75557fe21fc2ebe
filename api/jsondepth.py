"""Refuse JSON nested deeper than `MAX_JSON_DEPTH` before anything decodes it.

Python's JSON decoder recurses once per level, so a 2 KB body of `[` would end in a
RecursionError (a 500) on any endpoint, signed in or not. No body of ours nests past a handful
of levels; the scan below is cheap: strings are cut out by one regular expression, every byte
but brackets is dropped, and only the brackets left are counted."""

from __future__ import annotations

import re

from flask import Flask, request
from flask_smorest import abort

MAX_JSON_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_depth(body: bytes, *, stop_above: int = MAX_JSON_DEPTH) -> int:
    """The deepest nesting of arrays and objects in `body`, outside strings; the scan stops
    as soon as it passes `stop_above`. Malformed JSON gets a number too (the decoder then
    says what is wrong with it)."""
    outside_strings = _STRING.sub(b"", body).split(b'"', 1)[0]  # an unclosed string runs on
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    break
        else:
            depth = max(depth - 1, 0)
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
