"""Unknown query parameters are refused (422), as unknown JSON fields are, so a typo such as
`?kind=breathing&max_minute=5` is reported instead of silently ignored. The parameters an
operation accepts are read from the OpenAPI document, which therefore stays true."""

from __future__ import annotations

import re
from functools import cache

from flask import Flask, request
from flask_smorest import Api, abort

_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def spec_path(rule: str) -> str:
    """`/api/v1/exercises/<slug>/variants/<int:minutes>` -> `…/{slug}/variants/{minutes}`."""
    return _RULE_ARGUMENT.sub(r"{\1}", rule)


def register_query_check(app: Flask, api: Api) -> None:
    @cache
    def accepted() -> dict[tuple[str, str], frozenset[str]]:
        spec = api.spec.to_dict()
        shared = spec.get("components", {}).get("parameters", {})
        names: dict[tuple[str, str], frozenset[str]] = {}
        for path, operations in spec.get("paths", {}).items():
            for method, operation in operations.items():
                if not isinstance(operation, dict) or method == "parameters":
                    continue
                params = []
                for param in operation.get("parameters", []):
                    if "$ref" in param:
                        param = shared.get(param["$ref"].rsplit("/", 1)[-1], {})
                    if param.get("in") == "query":
                        params.append(param["name"])
                names[(path, method.upper())] = frozenset(params)
        return names

    @app.before_request
    def refuse_unknown_query_parameters() -> None:
        if not request.args or request.url_rule is None:
            return
        method = "GET" if request.method == "HEAD" else request.method
        allowed = accepted().get((spec_path(request.url_rule.rule), method))
        if allowed is None:  # not an API operation (docs, static files)
            return
        unknown = sorted(set(request.args) - allowed)
        if unknown:
            listed = ", ".join(repr(name) for name in unknown)
            hint = ", ".join(sorted(allowed)) or "none"
            abort(
                422,
                message=f"Unknown query parameter {listed}; this operation takes: {hint}.",
                errors={"query": {name: ["Unknown field."] for name in unknown}},
            )
