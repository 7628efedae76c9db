"""Hostile spreadsheets: refused while being read, with the limit in the message, nothing written.

Each file is built by hand (tests/admin/hostile_xlsx.py) in a fraction of a second and
sent both through the upload form and through `flask import`. How fast they are
refused is measured by `make bench` (bench/imports.py), not asserted here.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.imports import reader
from portal.imports.limits import FileProblem, Limits, check_workbook
from portal.imports.templates import Kind
from portal.models import AuditEntry, User
from tests.admin import hostile_xlsx
from tests.admin.roster_support import build_team, workbook
from tests.helpers import csrf_token, logged_in

ROWS_LIMIT = "表格超过 20,000 行的上限"
CELLS_LIMIT = "表格超过 500,000 个单元格的上限"
UNPACKED_LIMIT = "解压后超过 50 MB 的上限"
RATIO_LIMIT = "解压后超过原文件 100 倍的上限"

HOSTILE = {
    # 3,000,000 blank rows as a reader sees them: one empty cell at row 3,000,001.
    "three_million_blank_rows": (lambda: hostile_xlsx.blank_rows_by_gap(3_000_001), ROWS_LIMIT),
    # The same rows written out one by one deflate 600-fold: refused from the zip directory.
    "three_million_written_blank_rows": (
        lambda: hostile_xlsx.xlsx([hostile_xlsx.header_row(), "<row/>" * 3_000_000]),
        RATIO_LIMIT,
    ),
    "blank_rows_past_the_limit": (lambda: hostile_xlsx.blank_rows(25_000), ROWS_LIMIT),
    "too_many_rows": (lambda: hostile_xlsx.filled_rows(20_001), ROWS_LIMIT),
    "zip_bomb": (lambda: hostile_xlsx.zip_bomb(300 * 1024 * 1024), UNPACKED_LIMIT),
    # 40 rows reaching column XFD: 16,384 cells each to a reader.
    "too_many_cells": (
        lambda: hostile_xlsx.xlsx(
            [hostile_xlsx.header_row(), *(f'<row><c r="XFD{n}"/></row>' for n in range(2, 42))]
        ),
        CELLS_LIMIT,
    ),
    "declared_dimension": (
        lambda: hostile_xlsx.xlsx([hostile_xlsx.header_row()], dimension="A1:M3000000"),
        ROWS_LIMIT,
    ),
}


@pytest.fixture
def team(db):
    """A street with three workers, a sister street and another district."""
    return build_team()


def _counts(db) -> tuple[int, int]:
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    return users, audits


def _via_web(app, team, data: bytes) -> tuple[int, str]:
    client = logged_in(app, team.admin)
    response = client.post(
        "/street/import",
        data={
            "csrf_token": csrf_token(client, "/street/import"),
            "kind": "roster",
            "file": (io.BytesIO(data), "花名册.xlsx"),
        },
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def _via_cli(app, team, data: bytes, tmp_path) -> tuple[int, str]:
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(
        args=["import", str(path), "--kind", "roster", "--street", str(team.street.id)]
    )
    return result.exit_code, result.output


def _stashed(app) -> list[str]:
    return sorted(path.name for path in Path(app.instance_path).glob("imports/*"))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_on_the_upload_form(app, db, team, name):
    """The upload form refuses each hostile file with 422, naming the limit; nothing is kept."""
    build, message = HOSTILE[name]
    before, stashed_before = _counts(db), _stashed(app)

    status, page = _via_web(app, team, build())

    assert status == 422
    assert message in page
    assert 'name="token"' not in page  # no confirm button
    assert _counts(db) == before
    assert _stashed(app) == stashed_before


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_by_the_cli(app, db, team, name, tmp_path):
    """`flask import` refuses each hostile file with status 1, naming the limit; nothing written."""
    build, message = HOSTILE[name]
    before = _counts(db)

    status, output = _via_cli(app, team, build(), tmp_path)

    assert status == 1
    assert message in output
    assert _counts(db) == before


def test_cell_limit_comes_from_the_config(app, db, team, tmp_path, monkeypatch):
    """IMPORT_MAX_CELLS lowers the cell limit: 100 full rows of 13 cells pass 1,000 cells."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELLS", 1_000)
    rows = [[f"某{i}", f"139{i:08d}", "", team.east.name] + ["x"] * 9 for i in range(100)]
    data = workbook(Kind.ROSTER, rows)
    before = _counts(db)

    web_status, page = _via_web(app, team, data)
    cli_status, output = _via_cli(app, team, data, tmp_path)

    assert (web_status, cli_status) == (422, 1)
    assert "表格超过 1,000 个单元格的上限" in page
    assert "表格超过 1,000 个单元格的上限" in output
    assert _counts(db) == before


def test_row_limit_comes_from_the_config(app, db, team, monkeypatch):
    """IMPORT_MAX_ROWS lowers the row limit, and the message states the new one."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 10)
    status, page = _via_web(app, team, hostile_xlsx.filled_rows(11))
    assert status == 422
    assert "表格超过 10 行的上限" in page


def test_a_file_at_the_row_limit_is_read(app, db, team, monkeypatch):
    """A file of exactly the row limit is read and its rows checked (not refused as too big)."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 10)
    status, page = _via_web(app, team, hostile_xlsx.filled_rows(10))
    assert status == 422  # the rows have errors: a name and nothing else
    assert "上限" not in page
    assert "第 11 行" in page


def test_doctype_is_refused(app):
    """A sheet with a DOCTYPE (entity expansion) is refused as not a workbook."""
    laughs = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData><row><c><v>&b;</v></c></row></sheetData></worksheet>"
    )
    data = hostile_xlsx.xlsx([], extra_members={"xl/worksheets/sheet2.xml": laughs.encode()})
    with app.test_request_context(), pytest.raises(FileProblem, match="不是 Excel 工作簿"):
        check_workbook(data, Limits())


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        (Limits(members=3), "超过 3 个部件的上限"),
        (Limits(member_bytes=2048), "解压后超过 0.00195312 MB 的上限"),
        (Limits(unpacked_bytes=10 * 1024), "解压后超过 0.00976562 MB 的上限"),
        (Limits(xml_elements=20), "超过 20 个 XML 元素的上限"),
        (Limits(file_bytes=1024), "文件超过 0.000976562 MB 的上限"),
    ],
)
def test_archive_limits(app, limits, expected):
    """Each archive limit refuses an ordinary template file that fits the defaults."""
    data = workbook(Kind.ROSTER, [])
    with app.test_request_context():
        check_workbook(data, Limits())
        with pytest.raises(FileProblem, match=expected):
            check_workbook(data, limits)


_PREFIXED = (
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<x:sheetData>{rows}</x:sheetData></x:worksheet>"
)


@pytest.mark.parametrize(
    ("rows", "limits", "refused"),
    [
        # A row is as wide as its last column: 5 rows reaching column E are 25 cells.
        (['<row><c r="E1"/></row>'] * 5, Limits(cells=25), None),
        (['<row><c r="E1"/></row>'] * 6, Limits(cells=25), "25 个单元格"),
        # A cell without a reference follows the one before: XFC, then XFD.
        (['<row><c r="XFC1"/><c/></row>'], Limits(cells=16_383), "16,383 个单元格"),
        # A row of 10,000 cells spans several 64 KB pieces of the stream.
        (["<row>" + "<c><v>1</v></c>" * 10_000 + "</row>"], Limits(cells=9_999), "9,999 个"),
        (["<row>" + "<c><v>1</v></c>" * 10_000 + "</row>"], Limits(cells=10_000), None),
        # Row numbers jump: the rows in between are read as blank rows.
        (['<row r="1"/>', '<row r="12"/>'], Limits(rows=10), "10 行"),
        (['<row r="1"/>', '<row r="11"/>'], Limits(rows=10), None),
        # Declared size only: refused before any row is read.
        ([], Limits(cells=2_000), "2,000 个单元格"),
    ],
)
def test_counting_follows_the_reader(app, rows, limits, refused):
    """Rows and cells are counted as openpyxl will read them: gaps filled, rows to their end."""
    # Without rows, the sheet only declares its size (A1:Z100): refused before reading.
    data = hostile_xlsx.xlsx(rows, dimension=None if rows else "A1:Z100")
    with app.test_request_context():
        if refused is None:
            check_workbook(data, limits)
        else:
            with pytest.raises(FileProblem, match=refused):
                check_workbook(data, limits)


def test_a_namespace_prefix_does_not_hide_the_rows(app):
    """A sheet written with a namespace prefix (x:row) is counted all the same."""
    sheet = _PREFIXED.format(rows="<x:row/>" * 30).encode()
    data = hostile_xlsx.xlsx([], extra_members={"xl/worksheets/sheet2.xml": sheet})
    with app.test_request_context(), pytest.raises(FileProblem, match="20 行"):
        check_workbook(data, Limits(rows=20))


def test_a_long_comment_does_not_hide_the_rows(app):
    """A sheet whose root element hides behind 100 KB of comment is still counted."""
    sheet = (
        '<?xml version="1.0"?><!--' + "x" * 100_000 + "-->" + _PREFIXED.format(rows="<x:row/>" * 30)
    ).encode()
    data = hostile_xlsx.xlsx([], extra_members={"xl/worksheets/sheet2.xml": sheet})
    with app.test_request_context(), pytest.raises(FileProblem, match="20 行"):
        check_workbook(data, Limits(rows=20))


@pytest.mark.parametrize(
    ("data", "limits", "refused"),
    [
        (hostile_xlsx.blank_rows_by_gap(3_000_001), Limits(), "20,000 行"),
        (hostile_xlsx.wide_rows(3, 400), Limits(cells=1_000), "1,000 个单元格"),
    ],
    ids=["blank rows", "cells"],
)
def test_the_reader_counts_as_it_streams(app, monkeypatch, data, limits, refused):
    """Past the pre-scan, openpyxl's rows are counted too, blank ones included, and stopped."""
    monkeypatch.setattr(reader, "check_workbook", lambda data, limits: None)
    with app.test_request_context(), pytest.raises(FileProblem, match=refused):
        reader.read_rows(Kind.ROSTER, data, limits)
