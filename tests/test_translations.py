"""The Chinese catalog is complete, and counts read right in English (ngettext)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

PO = Path(__file__).resolve().parent.parent / (
    "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
)


def test_catalog_has_no_untranslated_entries():
    """Every message, plural ones in each of their forms, has a Chinese translation."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
    assert untranslated == []
    assert any(message.pluralizable for message in catalog)  # plural entries are there


@pytest.mark.parametrize(
    ("count", "english", "chinese"),
    [
        (1, "Recorded for 1 worker.", "已为 1 名社工登记。"),
        (2, "Recorded for 2 workers.", "已为 2 名社工登记。"),
    ],
)
def test_counts_read_right_in_english_and_chinese(app, count, english, chinese):
    """English says "1 worker" and "2 workers"; Chinese has one form for both."""
    with app.test_request_context():
        with force_locale("en"):
            text = ngettext(
                "Recorded for %(n)d worker.", "Recorded for %(n)d workers.", count, n=count
            )
            assert text == english
        with force_locale("zh_Hans_CN"):
            text = ngettext(
                "Recorded for %(n)d worker.", "Recorded for %(n)d workers.", count, n=count
            )
            assert text == chinese
