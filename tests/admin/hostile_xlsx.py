"""Hand-written .xlsx files for the spreadsheet-limit tests and bench: built with zipfile, fast.

openpyxl would take minutes to write three million rows; these write the sheet XML
directly (repeated, so it deflates to almost nothing), which is what an attacker does.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable

from portal.imports.templates import Kind, headers

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header_row(kind: Kind = Kind.ROSTER) -> str:
    """Return row 1 of the template of ``kind`` as inline-string cells."""
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{_text(h)}</t></is></c>'
        for i, h in enumerate(headers(kind))
    )
    return f'<row r="1">{cells}</row>'


def xlsx(
    body: Iterable[str],
    *,
    dimension: str | None = None,
    extra_members: dict[str, bytes] | None = None,
) -> bytes:
    """Return an .xlsx whose first sheet's <sheetData> is the joined ``body`` strings."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_SHEET_HEAD.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            chunk: list[str] = []
            for part in body:
                chunk.append(part)
                if len(chunk) == 10_000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write("".join(chunk).encode())
            sheet.write(b"</sheetData></worksheet>")
        for name, data in (extra_members or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def blank_rows(count: int, kind: Kind = Kind.ROSTER) -> bytes:
    """Return the template's header followed by ``count`` blank rows, each written out."""
    return xlsx([header_row(kind), *(f'<row r="{n}"/>' for n in range(2, count + 2))])


def blank_rows_by_gap(last_row: int, kind: Kind = Kind.ROSTER) -> bytes:
    """Return the header and one empty cell at ``last_row``: readers fill the gap with blanks."""
    return xlsx([header_row(kind), f'<row r="{last_row}"><c r="A{last_row}"/></row>'])


def wide_rows(rows: int, cells_per_row: int, kind: Kind = Kind.ROSTER) -> bytes:
    """Return the header and ``rows`` rows of ``cells_per_row`` number cells (past the columns)."""
    line = "".join(f"<c><v>{i}</v></c>" for i in range(cells_per_row))
    return xlsx([header_row(kind), *(f'<row r="{n}">{line}</row>' for n in range(2, rows + 2))])


def filled_rows(rows: int, kind: Kind = Kind.ROSTER) -> bytes:
    """Return the header and ``rows`` non-blank rows (a name only; every row has errors)."""
    return xlsx(
        [
            header_row(kind),
            *(
                f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>某{n}</t></is></c></row>'
                for n in range(2, rows + 2)
            ),
        ]
    )


def _deflated_zeros(megabytes: int) -> tuple[bytes, int]:
    """Return (raw deflate stream, CRC-32) of ``megabytes`` MiB of zeros, built in a blink.

    Each megabyte is deflated once and flushed so it stands alone; the stream repeats
    it, then ends with an empty final block.
    """
    block = b"\0" * (1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = megabytes
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return piece * count + b"\x03\x00", crc


def _zip_by_hand(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """Return a zip of (name, raw deflate data, CRC-32, unpacked size) members."""
    out = io.BytesIO()
    directory = []
    for name, data, crc, size in members:
        offset = out.tell()
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields) + encoded + data)
        directory.append(
            struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, *fields[:-1], 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start = out.tell()
    out.write(b"".join(directory))
    end = struct.pack(
        "<4s4H2IH",
        b"PK\x05\x06",
        0,
        0,
        len(members),
        len(members),
        out.tell() - start,
        start,
        0,
    )
    out.write(end)
    return out.getvalue()


def zip_bomb(unpacked_bytes: int, kind: Kind = Kind.ROSTER) -> bytes:
    """Return a workbook with a member of ``unpacked_bytes`` zeros (whole MiB): a zip bomb."""

    members = []
    for name, text in (
        ("[Content_Types].xml", _CONTENT_TYPES),
        ("_rels/.rels", _ROOT_RELS),
        ("xl/workbook.xml", _WORKBOOK),
        ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        (
            "xl/worksheets/sheet1.xml",
            f"{_SHEET_HEAD}<sheetData>{header_row(kind)}</sheetData></worksheet>",
        ),
    ):
        raw = text.encode()
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = compressor.compress(raw) + compressor.flush()
        members.append((name, data, zlib.crc32(raw), len(raw)))
    megabytes = unpacked_bytes // (1024 * 1024)
    data, crc = _deflated_zeros(megabytes)
    members.append(("xl/sharedStrings.xml", data, crc, megabytes * 1024 * 1024))
    return _zip_by_hand(members)
