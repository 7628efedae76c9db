"""The one htmx module: fragments for plain htmx requests, whole pages otherwise."""

from __future__ import annotations

import pytest

from portal.web.htmx import is_fragment_request, render

HX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        pytest.param({}, False, id="plain browser request"),
        pytest.param(HX, True, id="htmx request"),
        pytest.param({**HX, "HX-Boosted": "true"}, False, id="boosted navigation"),
        pytest.param({**HX, "HX-History-Restore-Request": "true"}, False, id="history restore"),
        pytest.param({"HX-Request": "false"}, False, id="explicit false"),
    ],
)
def test_fragment_only_for_plain_htmx_requests(app, headers, fragment):
    """Boosted and history-restore requests replace the page, so they get the whole page."""
    with app.test_request_context("/", headers=headers):
        assert is_fragment_request() is fragment
        html = render("errors/error.html", block="content", code=404, message="不存在")
        assert "不存在" in html
        assert ("<html" in html) is (not fragment)
