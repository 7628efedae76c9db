"""Read an uploaded .xlsx: check the header row exactly, then parse every cell."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from portal.imports import validators as v
from portal.imports.limits import (
    UNREADABLE,
    FileProblem,
    Limits,
    check_workbook,
    too_many_cells,
    too_many_rows,
)
from portal.imports.report import RowError
from portal.imports.templates import COLUMNS, KIND_LABELS, Column, Kind

# What openpyxl raises on a broken or hostile workbook (ParseError is a SyntaxError;
# defusedxml's refusals are ValueErrors).
_UNREADABLE = (*UNREADABLE, InvalidFileException, KeyError, TypeError, IndexError, SyntaxError)

__all__ = ["FileProblem", "Limits", "ParsedRow", "check_headers", "read_rows", "read_table"]


@dataclass
class ParsedRow:
    """One data row: its Excel row number, the parsed values, and its cell errors."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, message: str) -> None:
        """Record a problem of this row."""
        self.errors.append(RowError(self.number, column, message))


def _raw_rows(data: bytes, width: int, limits: Limits) -> Iterator[tuple[int, tuple]]:
    """Yield (row number, cells) of the first sheet; the header row is number 1.

    Every row openpyxl yields counts against the limit, blank ones and the blanks it
    fills a gap in the row numbers with included, and so does every cell of a row.
    """
    check_workbook(data, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE:
        raise FileProblem(_("This file is not an Excel workbook (.xlsx).")) from None
    cells_read = 0
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size: read every row there is
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells_read += len(cells)
            if number > limits.rows + 1:
                raise too_many_rows(limits)
            if cells_read > limits.cells:
                raise too_many_cells(limits)
            yield number, cells if number == 1 else cells[:width]
    except _UNREADABLE:
        raise FileProblem(_("This file is not an Excel workbook (.xlsx).")) from None
    finally:
        book.close()


def check_headers(kind: Kind, found: tuple) -> None:
    """Refuse a header row that is not exactly the template's."""
    _check_header_row([c.header for c in COLUMNS[kind]], str(KIND_LABELS[kind]), found)


def _check_header_row(expected: list[str], label: str, found: tuple) -> None:
    cells = [v.shown(cell) if cell is not None else "" for cell in found]
    while cells and not cells[-1]:
        cells.pop()
    if cells != expected:
        raise FileProblem(
            _(
                "This is not the %(template)s template: the first row must be exactly: "
                "%(headers)s.",
                template=label,
                headers="、".join(expected),
            )
        )


def read_rows(kind: Kind, data: bytes, limits: Limits | None = None) -> list[ParsedRow]:
    """Return every non-blank data row with its parsed values and cell errors."""
    return read_table(COLUMNS[kind], str(KIND_LABELS[kind]), data, limits)


def read_table(
    columns: Sequence[Column], label: str, data: bytes, limits: Limits | None = None
) -> list[ParsedRow]:
    """Read a workbook whose first row is exactly ``columns``' headers (any template)."""
    limits = limits or Limits()
    expected = [column.header for column in columns]
    rows: list[ParsedRow] = []
    header_seen = False
    for number, cells in _raw_rows(data, len(columns), limits):
        if number == 1:
            _check_header_row(expected, label, cells)
            header_seen = True
            continue
        if all(v.is_blank(cell) for cell in cells):
            continue
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
