"""Judge a PDF by what it holds: refuse scripts, launch actions, attachments, media, XFA.

A proof is a page to look at. Anything that acts (JavaScript, automatic actions, opening
programs or other files, sending form data), carries other files, plays media or is a
dynamic XFA form is refused, and so is a PDF that is encrypted or cannot be parsed.

Two looks, either one refuses:
- pypdf parses the file and every object reachable from its trailer is visited (names
  are compared decoded, so ``/J#61vaScript`` is ``/JavaScript``);
- the raw bytes are searched for the same names, for objects a viewer repairing a broken
  file might still find though no reference reaches them.
Streams are never decoded (a flate bomb stays packed); object streams are, by pypdf,
within its own output limits.
"""

from __future__ import annotations

import enum
import io
import re
import warnings

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

MAX_OBJECTS = 200_000  # far more than a few-MB scan or certificate holds


class PdfRefusal(enum.StrEnum):
    """Why a PDF is refused."""

    JAVASCRIPT = "javascript"
    AUTOMATIC_ACTION = "automatic_action"
    LAUNCH = "launch"
    EMBEDDED_FILE = "embedded_file"
    RICH_MEDIA = "rich_media"
    XFA = "xfa"
    ENCRYPTED = "encrypted"
    UNREADABLE = "unreadable"


# Keys whose mere presence refuses the file.
_KEYS = {
    "/JS": PdfRefusal.JAVASCRIPT,
    "/JavaScript": PdfRefusal.JAVASCRIPT,  # the document's JavaScript name tree
    "/AA": PdfRefusal.AUTOMATIC_ACTION,  # actions on open, close, focus, page view…
    "/EmbeddedFiles": PdfRefusal.EMBEDDED_FILE,
    "/EF": PdfRefusal.EMBEDDED_FILE,  # a file specification's embedded stream
    "/RichMediaContent": PdfRefusal.RICH_MEDIA,
    "/XFA": PdfRefusal.XFA,
}
# Action types (/S) refused wherever the action sits (/OpenAction, a link, a field).
_ACTIONS = {
    "/JavaScript": PdfRefusal.JAVASCRIPT,
    "/Launch": PdfRefusal.LAUNCH,
    "/GoToR": PdfRefusal.LAUNCH,  # opens another file
    "/GoToE": PdfRefusal.LAUNCH,  # opens an embedded file
    "/ImportData": PdfRefusal.LAUNCH,
    "/SubmitForm": PdfRefusal.LAUNCH,  # sends data to an address
    "/Rendition": PdfRefusal.RICH_MEDIA,
    "/Movie": PdfRefusal.RICH_MEDIA,
    "/Sound": PdfRefusal.RICH_MEDIA,
}
# Object types (/Type, /Subtype) refused.
_TYPES = {
    "/EmbeddedFile": PdfRefusal.EMBEDDED_FILE,
    "/FileAttachment": PdfRefusal.EMBEDDED_FILE,
    "/RichMedia": PdfRefusal.RICH_MEDIA,
    "/Movie": PdfRefusal.RICH_MEDIA,
    "/Sound": PdfRefusal.RICH_MEDIA,
    "/Screen": PdfRefusal.RICH_MEDIA,
    "/3D": PdfRefusal.RICH_MEDIA,
}
# The same names in the raw bytes, ending at a PDF delimiter (so a font called
# /AAAAAA+SimSun is not /AA).
_RAW_NAMES = [
    (re.compile(rb"/" + re.escape(name[1:].encode()) + rb"(?=[\s/<>\[\]()%{}]|$)"), why)
    for name, why in (
        *_KEYS.items(),
        ("/Launch", PdfRefusal.LAUNCH),
        ("/EmbeddedFile", PdfRefusal.EMBEDDED_FILE),
        ("/FileAttachment", PdfRefusal.EMBEDDED_FILE),
        ("/RichMedia", PdfRefusal.RICH_MEDIA),
    )
]


def _name(value: object) -> str | None:
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return str(value) if isinstance(value, NameObject) else None


def _judge(dictionary: DictionaryObject) -> PdfRefusal | None:
    for key in dictionary:
        if key in _KEYS:
            return _KEYS[key]
    action = _name(dictionary.get("/S"))
    if action in _ACTIONS:
        return _ACTIONS[action]
    for key in ("/Type", "/Subtype"):
        kind = _name(dictionary.get(key))
        if kind in _TYPES:
            return _TYPES[kind]
    return None


def _walk(reader: PdfReader) -> PdfRefusal | None:
    """Visit every object reachable from the trailer; return the first reason to refuse."""
    stack: list[object] = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            reference = (item.idnum, item.generation)
            if reference in seen:
                continue
            seen.add(reference)
            if len(seen) > MAX_OBJECTS:
                return PdfRefusal.UNREADABLE
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams too: their dictionary, not data
            if why := _judge(item):
                return why
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return None


def pdf_refusal(data: bytes) -> PdfRefusal | None:
    """Return why a PDF is refused, or None when it is a plain document."""
    for pattern, why in _RAW_NAMES:
        if pattern.search(data):
            return why
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns on every oddity it repairs
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return PdfRefusal.ENCRYPTED
            if not reader.pages:
                return PdfRefusal.UNREADABLE
            return _walk(reader)
    except Exception:  # a hostile file can break the parser any way at all: refused
        return PdfRefusal.UNREADABLE
