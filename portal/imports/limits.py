"""Refuse a hostile .xlsx before openpyxl spends time on it: first the zip, then its XML, counted.

openpyxl cannot be trusted to stop early by itself: opening a workbook walks every sheet
to its end looking for the size (when the sheet declares none), a gap in the row numbers
is filled with blank rows, and a cell in column XFD makes every row 16,384 cells wide —
all before the first row reaches us, at a few microseconds an XML element. So:

1. The zip's directory is read (no decompression): the number of members, each member's
   unpacked size, their sum and each one's compression ratio (Apache POI's zip-bomb guard:
   more than 100 times, past a small grace size). zipfile never inflates past a member's
   declared size, so these numbers bound the work that follows.
2. Each member is streamed and its start tags counted as openpyxl will read them: every
   row up to the highest row number (blank ones and gaps included), every cell up to
   each row's last column, the sheet's declared dimension, and all XML elements. The
   first count over its limit stops the scan at once. A DOCTYPE is refused
   (defusedxml's rule: no .xlsx part needs one).

The reader counts rows and cells again while openpyxl streams them, with the same limits.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from flask_babel import gettext as _

from portal.refusals import Refused

MIB = 1024 * 1024
RATIO_GRACE_BYTES = MIB  # small members (styles, themes) compress very well; never a bomb
_CHUNK = 64 * 1024
# What reading a broken or hostile archive raises (zlib.error: a corrupt deflate stream).
UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
)
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


class FileProblem(Refused):
    """The file as a whole cannot be imported (not an .xlsx, wrong template, too big)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "file")


@dataclass(frozen=True)
class Limits:
    """How much one import file may hold; the defaults fit a street's 20,000-row roster."""

    file_bytes: int = 10 * MIB
    rows: int = 20_000  # rows below the header, blank ones included
    cells: int = 500_000  # every cell of a sheet, up to each row's last column
    unpacked_bytes: int = 100 * MIB  # all members together
    member_bytes: int = 50 * MIB
    members: int = 1_000
    ratio: int = 100
    xml_elements: int = 2_000_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        """Return the limits set in the app config (IMPORT_MAX_*), defaults elsewhere."""
        defaults = cls()
        return cls(
            file_bytes=int(config.get("IMPORT_MAX_BYTES", defaults.file_bytes)),
            rows=int(config.get("IMPORT_MAX_ROWS", defaults.rows)),
            cells=int(config.get("IMPORT_MAX_CELLS", defaults.cells)),
            unpacked_bytes=int(config.get("IMPORT_MAX_UNPACKED_BYTES", defaults.unpacked_bytes)),
            member_bytes=int(config.get("IMPORT_MAX_MEMBER_BYTES", defaults.member_bytes)),
            members=int(config.get("IMPORT_MAX_MEMBERS", defaults.members)),
            ratio=int(config.get("IMPORT_MAX_RATIO", defaults.ratio)),
            xml_elements=int(config.get("IMPORT_MAX_XML_ELEMENTS", defaults.xml_elements)),
        )


def _n(value: int) -> str:
    return f"{value:,}"


def _mb(value: int) -> str:
    return f"{value / MIB:g}"


def not_a_workbook() -> FileProblem:
    """Return the refusal of a file that is no readable .xlsx."""
    return FileProblem(_("This file is not an Excel workbook (.xlsx)."))


def too_large(limits: Limits) -> FileProblem:
    """Return the refusal of a file over the upload size."""
    return FileProblem(
        _("The file is larger than the limit of %(max)s MB.", max=_mb(limits.file_bytes))
    )


def too_many_rows(limits: Limits) -> FileProblem:
    """Return the refusal of a sheet with more rows than the limit."""
    return FileProblem(
        _(
            "The sheet has more than the limit of %(max)s rows (blank rows count too): "
            "split it into smaller files.",
            max=_n(limits.rows),
        )
    )


def too_many_cells(limits: Limits) -> FileProblem:
    """Return the refusal of a sheet with more cells than the limit."""
    return FileProblem(
        _(
            "The sheet has more than the limit of %(max)s cells: delete the columns and "
            "rows outside the template, or split it into smaller files.",
            max=_n(limits.cells),
        )
    )


def check_size(data: bytes, limits: Limits) -> None:
    """Refuse a file larger than the upload limit."""
    if len(data) > limits.file_bytes:
        raise too_large(limits)


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """Refuse, from the zip directory alone, an archive that unpacks to too much."""
    members = archive.infolist()
    if len(members) > limits.members:
        raise FileProblem(
            _(
                "The workbook has more than the limit of %(max)s parts: it is not a normal "
                "Excel file.",
                max=_n(limits.members),
            )
        )
    total = 0
    for member in members:
        if member.flag_bits & 0x1:  # encrypted member: openpyxl cannot read it either
            raise not_a_workbook()
        total += member.file_size
        if member.file_size > limits.member_bytes or total > limits.unpacked_bytes:
            limit = min(limits.member_bytes, limits.unpacked_bytes)
            if member.file_size <= limits.member_bytes:
                limit = limits.unpacked_bytes  # each part fits, all of them together do not
            raise FileProblem(
                _(
                    "The workbook unpacks to more than the limit of %(max)s MB: split it into "
                    "smaller files.",
                    max=_mb(limit),
                )
            )
        if member.file_size > RATIO_GRACE_BYTES and member.file_size > limits.ratio * max(
            member.compress_size, 1
        ):
            raise FileProblem(
                _(
                    "The workbook unpacks to more than %(ratio)s times its size, the limit: it "
                    "is not a normal Excel file.",
                    ratio=_n(limits.ratio),
                )
            )
    return members


def _column(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


# Start tags, with the namespace prefix the root element uses (most often none). A tag
# inside a comment is counted too, which only ever counts more, never less.
# The root element, after the XML declaration, comments and processing instructions.
_ROOT = re.compile(  # atomic groups: no backtracking, however the piece starts
    rb"\A(?:\xef\xbb\xbf)?(?>\s|<\?.*?\?>|<!--.*?-->)*+<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)",
    re.DOTALL,
)
_ANY_PREFIX = None
_R = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")
_REF = re.compile(rb"""\sref\s*=\s*["']([^"']*)["']""")
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


@dataclass(frozen=True)
class _Tags:
    """The patterns of a sheet's start tags, for one namespace prefix."""

    row: re.Pattern[bytes]
    dimension: re.Pattern[bytes]
    cell: re.Pattern[bytes]
    cell_column: re.Pattern[bytes]


@functools.lru_cache(maxsize=8)
def _tags(prefix: bytes | None) -> _Tags:
    """Return the tag patterns for one prefix, or for any prefix (None: slower)."""
    start = b"<" + (re.escape(prefix) if prefix is not None else rb"(?:[A-Za-z_][\w.-]*:)?")
    return _Tags(
        row=re.compile(start + rb"row(?=[\s/>])([^>]*)>"),
        dimension=re.compile(start + rb"dimension(?=[\s/>])([^>]*)>"),
        cell=re.compile(start + rb"c(?=[\s/>])"),
        cell_column=re.compile(start + rb"""c(?=[\s/>])[^>]*?\sr\s*=\s*["']\$?([A-Za-z]{1,3})"""),
    )


def _letters_key(letters: bytes) -> tuple[int, bytes]:
    return len(letters), letters.upper()


class _Scan:
    """Count one member as openpyxl will read it; raise at the first limit passed.

    Regular expressions find the tags at C speed (expat's per-element callbacks cost a
    microsecond each: too slow for the 2-second bar). Python runs once a row, not once a
    cell: a row is as wide as its last column (openpyxl fills the gaps), at least as
    wide as its number of cells.
    """

    def __init__(self, limits: Limits, elements_before: int) -> None:
        self.limits = limits
        self.elements = elements_before
        self.tags: _Tags | None = None  # once the root element says this is a worksheet
        self.in_row = False
        self.row = 0  # openpyxl's row counter
        self.highest_row = 0
        self.cells = 0  # of the whole sheet, the current row's width included
        self.width = 0  # of the current row
        self.row_cells = self.row_cells_with_column = self.row_last_column = 0

    def feed(self, text: bytes) -> None:
        """Count the complete tags of a piece of the member."""
        self.elements += text.count(b"<") - text.count(b"</")
        if self.elements > self.limits.xml_elements:
            raise FileProblem(
                _(
                    "The workbook is more complex than the limit of %(max)s XML elements: "
                    "split it into smaller files.",
                    max=_n(self.limits.xml_elements),
                )
            )
        if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
            raise not_a_workbook()  # defusedxml's rule; no .xlsx part has a DTD
        if self.tags is None:
            return
        if dimension := self.tags.dimension.search(text):
            self._dimension(_REF.search(dimension.group(1)))
        position = 0
        for row in self.tags.row.finditer(text):
            self._cells(text[position : row.start()])
            self._row(_R.search(row.group(1)))
            position = row.end()
        self._cells(text[position:])

    def _row(self, number: re.Match | None) -> None:
        self.in_row = True
        self.width = self.row_cells = self.row_cells_with_column = self.row_last_column = 0
        try:
            self.row = int(float(number.group(1))) if number else self.row + 1
        except (ValueError, OverflowError):
            raise not_a_workbook() from None
        self.highest_row = max(self.highest_row, self.row)
        if self.highest_row > self.limits.rows + 1:  # the header row is not counted
            raise too_many_rows(self.limits)

    def _cells(self, text: bytes) -> None:
        """Count the cells of a piece of the current row."""
        tags = self.tags
        if not self.in_row or tags is None:  # rows are only seen once the tags are known
            return
        found = len(tags.cell.findall(text))
        if not found:
            return
        columns = tags.cell_column.findall(text)
        self.row_cells += found
        self.row_cells_with_column += len(columns)
        if columns:
            last = _column(max(columns, key=_letters_key).decode("ascii"))
            self.row_last_column = max(self.row_last_column, last)
        if self.row_cells_with_column in (0, self.row_cells):
            width = max(self.row_cells, self.row_last_column)
        else:  # cells without a reference follow on from the one before
            width = self.row_last_column + self.row_cells
        if width > self.width:
            self.cells += width - self.width
            self.width = width
            if self.cells > self.limits.cells:
                raise too_many_cells(self.limits)

    def _dimension(self, ref: re.Match | None) -> None:
        """Refuse early a sheet that declares itself too big (the rows are counted anyway)."""
        parts = ref.group(1).decode("latin-1").split(":") if ref else []
        corners = [corner for part in parts if (corner := _CELL_REF.match(part))]
        if not corners or len(corners) != len(parts):
            return  # no usable size: the rows will tell
        first, last = corners[0], corners[-1]
        rows = int(last.group(2)) - int(first.group(2)) + 1
        columns = _column(last.group(1)) - _column(first.group(1)) + 1
        if int(last.group(2)) > self.limits.rows + 1:
            raise too_many_rows(self.limits)
        if rows > 0 and columns > 0 and rows * columns > self.limits.cells:
            raise too_many_cells(self.limits)


def _scan_member(stream: IO[bytes], scan: _Scan) -> None:
    first = stream.read(_CHUNK)
    if first.startswith(_UTF16_STARTS):
        raise not_a_workbook()  # Excel writes UTF-8; UTF-16 would hide every tag from the scan
    root = _ROOT.match(first)
    if root is None:
        # No root element in the first piece: a long comment, or not XML at all. Count it
        # as a sheet of any prefix, so a comment cannot hide the rows.
        scan.tags = _tags(_ANY_PREFIX)
    elif root.group(2) == b"worksheet":
        scan.tags = _tags(root.group(1) or b"")
    tail = b""
    chunk = first
    while chunk:
        text = tail + chunk
        cut = text.rfind(b"<")
        if cut == -1 or text.find(b">", cut) != -1:
            cut = len(text)  # the last tag is complete
        scan.feed(text[:cut])
        tail = text[cut:] if len(text) - cut <= _CHUNK else b""  # no tag is that long
        chunk = stream.read(_CHUNK)
    scan.feed(tail)


def check_workbook(data: bytes, limits: Limits) -> None:
    """Refuse an .xlsx that is too big, unpacks to too much, or holds too many rows or cells."""
    check_size(data, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            elements = 0
            for member in check_archive(archive, limits):
                if member.is_dir():
                    continue
                scan = _Scan(limits, elements)
                with archive.open(member) as stream:
                    _scan_member(stream, scan)
                elements = scan.elements
    except UNREADABLE:
        raise not_a_workbook() from None
