"""flask-smorest Blueprints, one per resource.

Page numbers are bounded here, before any resource module uses `@blp.paginate`: flask-smorest
bounds the page size but not the page, and every parameter the document lists has bounds."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import pagination

# 100 items a page at most: ten million rows, more than any list of ours holds.
MAX_PAGE = 100_000
_smorest_factory = pagination._pagination_parameters_schema_factory


def _bounded_pages(first_page: int, page_size: int, max_page_size: int) -> Any:
    base = _smorest_factory(first_page, page_size, max_page_size)

    class BoundedPaginationParametersSchema(base):  # type: ignore[valid-type,misc]
        page = ma.fields.Integer(load_default=first_page, validate=ma.validate.Range(1, MAX_PAGE))

    return BoundedPaginationParametersSchema


pagination._pagination_parameters_schema_factory = _bounded_pages
