"""PDF proofs are parsed: anything that acts, carries files or plays media is refused."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from portal.models import Upload
from portal.uploads.pdf import PdfRefusal, pdf_refusal
from tests.helpers import csrf_token, login
from tests.outside import files


def _dict(**entries) -> DictionaryObject:
    """Return a PDF dictionary; keys are names without the slash, str values become names."""
    out = DictionaryObject()
    for key, value in entries.items():
        if isinstance(value, str):
            value = NameObject(value) if value.startswith("/") else TextStringObject(value)
        out[NameObject("/" + key)] = value
    return out


def _js(code: str = "app.alert(1)") -> DictionaryObject:
    return _dict(Type="/Action", S="/JavaScript", JS=code)


def _name_tree() -> DictionaryObject:
    """Return a catalog /Names entry with document-level JavaScript (runs on open)."""
    tree = ArrayObject([TextStringObject("start"), _js()])
    return _dict(JavaScript=_dict(Names=tree))


def _hex_escaped_names(data: bytes) -> bytes:
    """Spell /JavaScript and /JS with #xx escapes, which readers decode: same file."""
    return data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/#4AS ")


CASES = [
    ("plain pypdf page", lambda: files.pdf_with(), None),
    ("Pillow's PDF", files.pdf, None),
    (
        "link to a web address",
        lambda: files.pdf_with(
            annotation=_dict(
                Type="/Annot",
                Subtype="/Link",
                Rect=ArrayObject([NumberObject(0)] * 4),
                A=_dict(S="/URI", URI="https://www.mca.gov.cn/"),
            )
        ),
        None,
    ),
    (
        "open at page one",
        lambda: files.pdf_with(
            root={"/OpenAction": ArrayObject([NumberObject(0), NameObject("/Fit")])}
        ),
        None,
    ),
    (
        "document JavaScript (name tree)",
        lambda: files.pdf_with(root={"/Names": _name_tree()}),
        PdfRefusal.JAVASCRIPT,
    ),
    (
        "/OpenAction JavaScript",
        lambda: files.pdf_with(root={"/OpenAction": _js()}),
        PdfRefusal.JAVASCRIPT,
    ),
    (
        "/OpenAction JavaScript, names #-escaped",
        lambda: _hex_escaped_names(files.pdf_with(root={"/OpenAction": _js()})),
        PdfRefusal.JAVASCRIPT,
    ),
    (
        "/OpenAction launch",
        lambda: files.pdf_with(root={"/OpenAction": _dict(S="/Launch", F="calc.exe")}),
        PdfRefusal.LAUNCH,
    ),
    (
        "link that opens another file",
        lambda: files.pdf_with(
            annotation=_dict(
                Type="/Annot",
                Subtype="/Link",
                Rect=ArrayObject([NumberObject(0)] * 4),
                A=_dict(S="/GoToR", F="other.pdf"),
            )
        ),
        PdfRefusal.LAUNCH,
    ),
    (
        "page additional action",
        lambda: files.pdf_with(
            page={
                "/AA": _dict(
                    O=_dict(S="/GoTo", D=ArrayObject([NumberObject(0), NameObject("/Fit")]))
                )
            }
        ),
        PdfRefusal.AUTOMATIC_ACTION,
    ),
    (
        "embedded file",
        lambda: files.pdf_with(add_attachment=("a.txt", b"hello")),
        PdfRefusal.EMBEDDED_FILE,
    ),
    (
        "file attachment annotation",
        lambda: files.pdf_with(
            annotation=_dict(
                Type="/Annot", Subtype="/FileAttachment", Rect=ArrayObject([NumberObject(0)] * 4)
            )
        ),
        PdfRefusal.EMBEDDED_FILE,
    ),
    (
        "rich media annotation",
        lambda: files.pdf_with(
            annotation=_dict(
                Type="/Annot", Subtype="/RichMedia", Rect=ArrayObject([NumberObject(0)] * 4)
            )
        ),
        PdfRefusal.RICH_MEDIA,
    ),
    (
        "XFA form",
        lambda: files.pdf_with(root={"/AcroForm": _dict(Fields=ArrayObject(), XFA="<xdp/>")}),
        PdfRefusal.XFA,
    ),
    ("encrypted", lambda: files.pdf_with(encrypt="secret"), PdfRefusal.ENCRYPTED),
    ("not a PDF inside", lambda: b"%PDF-1.7\nnothing here\n%%EOF\n", PdfRefusal.UNREADABLE),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pdf_refusal(make, expected):
    """Each PDF gets the reason it is refused for, or None when it is a plain document."""
    assert pdf_refusal(make()) == expected


URL = "/me/outside-training"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            files.pdf_with(root={"/OpenAction": _js(), "/Names": _name_tree()}),
            "含有脚本（JavaScript），不能上传。请用“打印”→“另存为 PDF”",
        ),
        (files.pdf_with(add_attachment=("a.exe", b"MZ")), "内附带了其他文件，不能上传。"),
        (files.pdf_with(encrypt="secret"), "该 PDF 已加密或设有密码"),
    ],
    ids=["javascript", "attachment", "encrypted"],
)
def test_refused_pdf_is_reported_on_the_form_and_nothing_stored(
    client, db, street_team, stored_files, data, message
):
    """The upload form shows why the PDF is refused (422); no row and no file is written."""
    login(client, street_team.worker.user.phone)
    uploads = db.session.scalar(sa.select(sa.func.count()).select_from(Upload))
    before = stored_files()
    response = client.post(
        URL,
        data={
            "csrf_token": csrf_token(client, URL),
            "title": "社区治理线上专题课",
            "kind": "online",
            "organiser": "江苏省民政厅",
            "hours": "6.5",
            "completed_on": "2026-01-05",
            "proof": (io.BytesIO(data), "结业证书.pdf"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Upload)) == uploads
    assert stored_files() == before
