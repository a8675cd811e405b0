"""Sign in to the web console over plain HTTP, as a browser would (cookies, CSRF fields)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@contextmanager
def console(url: str, token: str) -> Iterator[httpx.Client]:
    """A client signed in to the console at ``url`` with ``token``."""
    with httpx.Client(base_url=url, timeout=30) as client:
        form = client.get("/login")
        r = client.post("/login", data={"token": token, "csrf": csrf_of(form.text), "next": "/"})
        assert r.status_code == 303, r.text
        yield client
