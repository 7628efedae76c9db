"""The only module that reads HX-* request headers.

htmx-flask parses the headers; this module decides what to render. A fragment is
rendered only for a plain htmx request: boosted navigation and history-restore
requests replace the whole page, so they get the whole page.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, render_template, request
from jinja2_fragments.flask import render_block


def is_fragment_request() -> bool:
    """Return whether this request wants a fragment rather than a whole page."""
    hx = getattr(request, "htmx", None)
    if not hx:
        return False
    return not (hx.boosted or hx.history_restore_request)


def render(template: str, block: str | None = None, **context: Any) -> str:
    """Render the named block for an htmx fragment request, else the whole page."""
    if block is not None and is_fragment_request():
        return render_block(template, block, **context)
    return render_template(template, **context)


def _add_vary(response: Response) -> Response:
    # The same URL answers with a page or a fragment: caches must keep them apart.
    response.vary.add("HX-Request")
    return response


def init_app(app: Flask) -> None:
    """Register the Vary header on every response."""
    app.after_request(_add_vary)
