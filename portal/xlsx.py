"""Excel workbooks for every export and import template: one way to write a sheet.

Sheets are written in openpyxl's write-only mode, so a large export streams row by row.
Text is always written as text, never as a formula, whatever it starts with ("=", "+",
"@"…); dates are Excel dates and times Asia/Shanghai wall time (Excel has no zones).
"""

from __future__ import annotations

import enum
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, send_file
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from portal.labels import label
from portal.timeutil import to_local

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
BOLD = Font(bold=True)
_SHEET_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_FILENAME_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def sheet_title(title: str) -> str:
    """Return a title Excel accepts for a sheet: no []:*?/ or backslash, ≤ 31 characters."""
    cleaned = _SHEET_TITLE_ILLEGAL.sub("", title).strip().strip("'").strip()
    return cleaned[:31].strip() or "Sheet1"


def file_stem(text: str) -> str:
    """Return ``text`` without the characters a file name may not hold, at most 80 long."""
    return _FILENAME_ILLEGAL.sub("", text).strip()[:80]


def cell(sheet: WriteOnlyWorksheet, value: Any, *, font: Font | None = None) -> Cell:
    """Return one cell: enums by their label, dates and times as such, anything else as text."""
    if isinstance(value, enum.Enum):
        value = label(value)
    number_format = None
    if isinstance(value, datetime):
        value, number_format = to_local(value).replace(tzinfo=None), TIME_FORMAT
    elif isinstance(value, date):
        number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        value, number_format = float(value), "0.0"
    elif isinstance(value, bool):
        value = _("Yes") if value else _("No")
    result = WriteOnlyCell(sheet, value=value if value is None or _is_plain(value) else str(value))
    if isinstance(result.value, str):
        result.data_type = "s"  # never a formula
    if number_format:
        result.number_format = number_format
    if font is not None:
        result.font = font
    return result


def _is_plain(value: Any) -> bool:
    return isinstance(value, int | float | date | datetime)


def workbook() -> Workbook:
    """Return an empty write-only workbook."""
    return Workbook(write_only=True)


def add_sheet(
    book: Workbook,
    title: str,
    headers: Sequence[Any],
    *,
    widths: Sequence[int],
    fonts: Sequence[Font] | None = None,
    freeze: bool = True,
) -> WriteOnlyWorksheet:
    """Add a sheet with column widths and a header row (bold unless ``fonts`` says otherwise)."""
    sheet = book.create_sheet(sheet_title(title))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        sheet.freeze_panes = "A2"
    if headers:
        fonts = fonts or [BOLD] * len(headers)
        sheet.append([cell(sheet, h, font=f) for h, f in zip(headers, fonts, strict=True)])
    return sheet


def append_rows(sheet: WriteOnlyWorksheet, rows: Iterable[Sequence[Any]]) -> None:
    """Append rows of values, each written by ``cell``."""
    for row in rows:
        sheet.append([cell(sheet, value) for value in row])


def to_bytes(book: Workbook) -> bytes:
    """Return the saved workbook."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def simple_workbook(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, widths: Sequence[int]
) -> Workbook:
    """Return a workbook of one sheet: rows under bold headers (more sheets may be added)."""
    book = workbook()
    append_rows(add_sheet(book, title, headers, widths=widths), rows)
    return book


def send(data: bytes, download_name: str) -> Response:
    """Return the workbook as a download (any Unicode file name; the header encodes it).

    Exports hold names and phone numbers: no cache may keep a copy.
    """
    response = send_file(
        io.BytesIO(data), mimetype=MIMETYPE, as_attachment=True, download_name=download_name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
