"""Page weight on a phone: the worker home's first and repeat load stay within budget."""

from __future__ import annotations

from bench import page_weight


def test_worker_home_first_and_repeat_load_fit_the_budget(browser, tmp_path):
    """An empty-cache phone downloads ≤ 35 KB for the home page; coming back costs ≤ 4 KB."""
    app = page_weight.demo_app(tmp_path)
    with page_weight.serving(app) as (url, counter):
        figures = page_weight.measure(browser, url, counter)
    first = dict(figures["home_first_load_answers"])
    # The whole app shell came down, compressed, in the first load …
    assert {"/", "/sw.js", "/offline"} <= set(first)
    assert any(path.startswith("/static/css/portal.") for path in first)
    assert figures["home_first_load_bytes"] <= page_weight.FIRST_LOAD_BUDGET, first
    # … and coming back fetches only the page itself: every asset is served from cache.
    repeat = dict(figures["home_repeat_load_answers"])
    assert set(repeat) == {"/"}, repeat
    assert figures["home_repeat_load_bytes"] <= page_weight.REPEAT_LOAD_BUDGET
