"""Real tiny files made on the spot: photos with Pillow, a PDF, and impostors."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str, size=(16, 12), color=(200, 30, 30), **save) -> bytes:
    """Return a small image encoded in a Pillow format (JPEG, PNG, WEBP, GIF…)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg(**kw) -> bytes:
    """Return a small JPEG."""
    return image_bytes("JPEG", **kw)


def png(**kw) -> bytes:
    """Return a small PNG."""
    return image_bytes("PNG", **kw)


def webp(**kw) -> bytes:
    """Return a small WebP."""
    return image_bytes("WEBP", **kw)


def pdf() -> bytes:
    """Return a one-page PDF (Pillow writes real PDF files)."""
    return image_bytes("PDF", size=(60, 40))


def jpeg_with_gps() -> bytes:
    """Return a JPEG whose EXIF carries a GPS position and the phone model."""
    image = Image.new("RGB", (32, 24), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (31.0, 14.0, 0.0)
    gps[3] = "E"
    gps[4] = (121.0, 28.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def jpeg_rotated() -> bytes:
    """Return a 40×20 JPEG with EXIF orientation 6 (shown rotated 90° to 20×40)."""
    image = Image.new("RGB", (40, 20), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
ZIP = b"PK\x03\x04" + b"\x00" * 60
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40


def pdf_with(
    *, root: dict | None = None, page: dict | None = None, annotation=None, **writer_calls
):
    """Return a one-page PDF written by pypdf, with entries added to its catalog or page.

    ``root``/``page`` map names to pypdf objects; ``annotation`` is added to the page's
    /Annots; ``writer_calls`` name PdfWriter methods to call with the given arguments
    (e.g. ``add_js="app.alert(1)"``, ``encrypt="secret"``).
    """
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=100)
    for name, value in (root or {}).items():
        writer._root_object[NameObject(name)] = value
    for name, value in (page or {}).items():
        writer.pages[0][NameObject(name)] = value
    if annotation is not None:
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    for method, argument in writer_calls.items():
        arguments = argument if isinstance(argument, tuple) else (argument,)
        getattr(writer, method)(*arguments)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
