"""Decide what a file is from its bytes, and accept only photos (JPEG, PNG, WebP) and PDF.

Pure functions: no database, no request. Images are decoded in full with Pillow (a
file that merely starts like a JPEG is refused) and re-encoded, which drops the
photo's metadata (GPS position, phone model) and anything appended to the image.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from portal.refusals import Refused
from portal.uploads.pdf import PdfRefusal, pdf_refusal

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"

EXTENSIONS = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", PDF: ".pdf"}
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}

# Refuse images with more pixels than this (decompression bombs). JPEG is decoded at a
# reduced scale, so even a 108-megapixel phone photo is cheap; PNG and WebP are not.
MAX_PIXELS = {JPEG: 150_000_000, PNG: 40_000_000, WEBP: 40_000_000}
# Stored photos are scaled down to this longest edge: still sharp for a certificate.
MAX_EDGE = 2560
JPEG_QUALITY = 85

_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")


class UploadRefused(Refused):
    """A file that is not accepted; ``message`` says why, ``field`` names the file field."""


@dataclass(frozen=True)
class Accepted:
    """An accepted file: its sniffed content type and the bytes to store."""

    content_type: str
    data: bytes

    @property
    def extension(self) -> str:
        """Return the file name extension that goes with the content type."""
        return EXTENSIONS[self.content_type]


def content_type_of(data: bytes) -> str | None:
    """Return the allowed content type the bytes start like (magic numbers), else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if _PDF_HEADER.match(data):
        return PDF
    return None


def accept(data: bytes) -> Accepted:
    """Return the accepted form of a file, or raise UploadRefused saying why."""
    if not data:
        raise UploadRefused(_l("The file is empty."))
    content_type = content_type_of(data)
    if content_type is None:
        raise UploadRefused(
            _l("Only photos (JPEG, PNG, WebP) and PDF files are accepted; this file is neither.")
        )
    if content_type == PDF:
        return Accepted(PDF, _checked_pdf(data))
    return Accepted(content_type, _reencoded_image(data, content_type))


_PDF_DAMAGED = _l("The PDF is incomplete or damaged. Save it again and retry.")
# Each ends with the way out: printing to PDF makes a plain copy of what the pages show.
_PDF_REFUSALS = {
    PdfRefusal.JAVASCRIPT: _l(
        "The PDF contains scripts (JavaScript), which are not allowed. Print it to a new PDF "
        "(Print → Save as PDF) and upload that."
    ),
    PdfRefusal.AUTOMATIC_ACTION: _l(
        "The PDF contains actions that run by themselves, which are not allowed. Print it to "
        "a new PDF (Print → Save as PDF) and upload that."
    ),
    PdfRefusal.LAUNCH: _l(
        "The PDF contains actions that open programs or other files or send data, which are "
        "not allowed. Print it to a new PDF (Print → Save as PDF) and upload that."
    ),
    PdfRefusal.EMBEDDED_FILE: _l(
        "The PDF has other files attached inside it, which is not allowed. Print it to a new "
        "PDF (Print → Save as PDF) and upload that."
    ),
    PdfRefusal.RICH_MEDIA: _l(
        "The PDF contains video, sound or 3D content, which is not allowed. Print it to a new "
        "PDF (Print → Save as PDF) and upload that."
    ),
    PdfRefusal.XFA: _l(
        "The PDF is a dynamic (XFA) form, which is not allowed. Print it to a new PDF "
        "(Print → Save as PDF) and upload that."
    ),
}


def _checked_pdf(data: bytes) -> bytes:
    # A PDF ends with %%EOF (possibly followed by a line end or padding): a cut-off
    # upload, or something else wearing a PDF header, does not.
    if b"%%EOF" not in data[-2048:]:
        raise UploadRefused(_PDF_DAMAGED)
    why = pdf_refusal(data)
    if why is PdfRefusal.ENCRYPTED:
        raise UploadRefused(
            _l("The PDF is encrypted or has a password. Save a copy without a password and retry.")
        )
    if why is PdfRefusal.UNREADABLE:
        raise UploadRefused(_PDF_DAMAGED)
    if why is not None:
        raise UploadRefused(_PDF_REFUSALS[why])
    return data


_TOO_MANY_PIXELS = _l("The photo has too many pixels. Take a smaller photo.")


def _reencoded_image(data: bytes, content_type: str) -> bytes:
    pil_format = _PIL_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Pillow warns (then fails) on huge images; our own limit below is the rule.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=[pil_format])
            if image.width * image.height > MAX_PIXELS[content_type]:
                raise UploadRefused(_TOO_MANY_PIXELS)
            if pil_format == "JPEG":
                image.draft("RGB", (MAX_EDGE, MAX_EDGE))  # DCT scaling: a fraction of the work
            image.load()  # decode every pixel: truncated or fake images fail here
            image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant
    except UploadRefused:
        raise
    except Image.DecompressionBombError as error:
        raise UploadRefused(_TOO_MANY_PIXELS) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise UploadRefused(
            _l("The photo could not be read; it may be damaged. Take the photo again.")
        ) from error
    if max(image.size) > MAX_EDGE:
        image.thumbnail((MAX_EDGE, MAX_EDGE))
    return _encode(image, pil_format)


def _encode(image: Image.Image, pil_format: str) -> bytes:
    out = io.BytesIO()
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if pil_format == "JPEG":
        if image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, **extra)
    elif pil_format == "WEBP":
        if image.mode not in {"RGB", "RGBA"}:
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, "WEBP", quality=JPEG_QUALITY, **extra)
    else:
        image.save(out, "PNG", **extra)
    return out.getvalue()


_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f-\x9f"\\/:*?<>|;]+')


def _visible(text: str) -> str:
    """Drop invisible format characters (category Cf), the bidi controls among them.

    U+202E RIGHT-TO-LEFT OVERRIDE makes "报告\u202efdp.exe" show as "报告exe.pdf"; the
    others (U+202A–U+202D, U+2066–U+2069, U+200E/U+200F, U+061C, zero-width spaces)
    reorder or hide text just as well.
    """
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def clean_name(filename: str | None, extension: str) -> str:
    """Return a display name: no path, no control or quoting characters, the right extension."""
    name = _visible(unicodedata.normalize("NFC", filename or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # browsers on Windows send full paths
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE_IN_NAME.sub("_", stem)  # control characters (Cc) become "_"
    stem = " ".join(stem.split()).strip(" ._")[:100]
    return (stem or "proof") + extension
