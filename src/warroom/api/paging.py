"""How a list endpoint hands out the cursor of its next page.

The body stays the JSON list it always was, so existing clients keep working; the cursor of
the next page travels in the ``X-Next-Cursor`` header (absent on the last page) and, for
generic HTTP clients, as a ``Link: <...>; rel="next"`` URL with the same query and the
cursor. A client pages on with ``?cursor=<X-Next-Cursor>`` and the same filters.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Query, Request, Response

from warroom.storage.paging import Page

T = TypeVar("T")

NEXT_CURSOR_HEADER = "X-Next-Cursor"

CursorParam = Annotated[
    str | None,
    Query(
        max_length=2000,
        description="where to continue: the X-Next-Cursor header of the previous page",
    ),
]


def paged(request: Request, response: Response, page: Page[T]) -> list[T]:
    """``page`` as the response body, with its next cursor in the headers."""
    if page.next_cursor is not None:
        response.headers[NEXT_CURSOR_HEADER] = page.next_cursor
        url = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return list(page)
