"""Which language a page speaks: the user's saved choice, the cookie, the browser, then Chinese."""

from __future__ import annotations

import pytest

from portal.i18n import locale_for_browser
from tests.factories import new_street, new_worker
from tests.helpers import login

LANGUAGES = ("zh_Hans_CN", "en")


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        ([], None),
        ([("zh-CN", 1.0)], "zh_Hans_CN"),
        ([("zh-TW", 1.0)], "zh_Hans_CN"),  # the one Chinese there is
        ([("zh-Hans-CN", 1.0), ("en", 0.5)], "zh_Hans_CN"),
        ([("en-US", 1.0), ("en", 0.9), ("zh", 0.5)], "en"),
        ([("fr-FR", 1.0), ("en", 0.4)], "en"),  # the best language we have
        ([("zh", 0.3), ("en-GB", 0.8)], "en"),  # by quality, not by order
        ([("fr", 1.0), ("*", 0.1)], None),  # a wildcard or a language we lack: no answer
        ([("en", 0.0), ("ja", 1.0)], None),  # q=0 means "not this one"
        ([("EN_us", 1.0)], "en"),
    ],
)
def test_locale_for_browser(offered, chosen):
    assert locale_for_browser(offered, LANGUAGES) == chosen


def _login_page(client, **headers) -> str:
    return client.get("/login", headers=headers).get_data(as_text=True)


def test_new_visitor_gets_the_browsers_language(client):
    """An English phone sees English at first visit; a Chinese phone or no header, Chinese."""
    assert 'lang="en"' in _login_page(client, **{"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="zh-CN"' in _login_page(client, **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert 'lang="zh-CN"' in _login_page(client)
    vary = client.get("/login").vary  # a shared cache keeps each language apart
    assert {"accept-language", "cookie"} <= {value.lower() for value in vary}


def test_cookie_beats_the_browser_and_the_saved_choice_beats_both(client, db):
    """Choosing a language (cookie) overrides the browser; a signed-in user's saved choice wins."""
    client.set_cookie("lang", "zh_Hans_CN")
    assert 'lang="zh-CN"' in _login_page(client, **{"Accept-Language": "en"})
    worker = new_worker(new_street().communities[0], locale="en")
    db.session.commit()
    client.delete_cookie("lang")
    assert login(client, worker.user.phone).status_code == 302
    home = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en"' in home
