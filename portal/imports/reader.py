"""Read an uploaded .xlsx: check the header row exactly, then parse every cell."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from portal.imports import validators as v
from portal.imports.report import RowError
from portal.imports.templates import COLUMNS, KIND_LABELS, Kind, headers

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024


class FileProblem(Exception):
    """The file as a whole cannot be imported (not an .xlsx, wrong template, too big)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ParsedRow:
    """One data row: its Excel row number, the parsed values, and its cell errors."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, message: str) -> None:
        """Record a problem of this row."""
        self.errors.append(RowError(self.number, column, message))


def _raw_rows(data: bytes, width: int) -> Iterator[tuple[int, tuple]]:
    """Yield (row number, cells) of the first sheet; the header row is number 1."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileProblem(_("This file is not an Excel workbook (.xlsx).")) from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size: read every row there is
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, cells if number == 1 else cells[:width]
    finally:
        book.close()


def check_headers(kind: Kind, found: tuple) -> None:
    """Refuse a header row that is not exactly the template's."""
    expected = headers(kind)
    cells = [v.shown(cell) if cell is not None else "" for cell in found]
    while cells and not cells[-1]:
        cells.pop()
    if cells != expected:
        raise FileProblem(
            _(
                "This is not the %(template)s template: the first row must be exactly: "
                "%(headers)s.",
                template=KIND_LABELS[kind],
                headers="、".join(expected),
            )
        )


def read_rows(kind: Kind, data: bytes) -> list[ParsedRow]:
    """Return every non-blank data row with its parsed values and cell errors."""
    if len(data) > MAX_BYTES:
        raise FileProblem(_("The file is larger than 10 MB."))
    columns = COLUMNS[kind]
    rows: list[ParsedRow] = []
    header_seen = False
    for number, cells in _raw_rows(data, len(columns)):
        if number == 1:
            check_headers(kind, cells)
            header_seen = True
            continue
        if all(v.is_blank(cell) for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise FileProblem(
                _("The file has more than %(max)d rows: split it into smaller files.", max=MAX_ROWS)
            )
        row = ParsedRow(number)
        for column, raw in zip(columns, (*cells, *([None] * len(columns))), strict=False):
            if v.is_blank(raw):
                row.values[column.key] = None
                if column.required:
                    row.fail(column.header, _("%(column)s is empty.", column=column.header))
                continue
            try:
                row.values[column.key] = column.parse(raw, column.header)
            except v.CellError as error:
                row.values[column.key] = None
                row.fail(column.header, error.message)
        rows.append(row)
    if not header_seen:
        raise FileProblem(_("The file is empty."))
    return rows
