"""Upload writes: check the file by content, then add the row and store the bytes."""

from __future__ import annotations

import hashlib
from typing import BinaryIO, Protocol

from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.people.models import User
from portal.uploads import sniff, storage
from portal.uploads.models import Upload
from portal.uploads.sniff import UploadRefused


class IncomingFile(Protocol):
    """What a browser sends: werkzeug's FileStorage has these."""

    filename: str | None
    stream: BinaryIO


def read_limited(file: IncomingFile) -> bytes:
    """Return the file's bytes, or raise UploadRefused if it is over the size limit."""
    limit = storage.max_bytes()
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(too_large_message())
    return data


def too_large_message():
    """Return the message for a file over the size limit."""
    return _l(
        "The file is larger than %(mb)s MB. Take a smaller photo or compress the PDF.",
        mb=storage.max_megabytes(),
    )


def accepted_file(file: IncomingFile, field: str | None = None) -> sniff.Accepted:
    """Return the accepted form of a file, or raise UploadRefused naming the form field."""
    try:
        return sniff.accept(read_limited(file))
    except UploadRefused as refused:
        raise UploadRefused(refused.message, field) from refused


def upload_refusal(file: IncomingFile, field: str | None = None) -> UploadRefused | None:
    """Return why a file would be refused (nothing is stored), or None if it would do."""
    try:
        accepted_file(file, field)
    except UploadRefused as refused:
        return refused
    return None


def store_upload(file: IncomingFile, *, owner: User, field: str | None = None) -> Upload:
    """Accept a file for its owner: row flushed, bytes on disk; the caller commits.

    Raises UploadRefused (nothing stored) when the size or content is not accepted.
    If the caller's transaction then fails, it removes the file with
    `storage.removed_on_error(upload.storage_key)` (or `storage.removed_if_block_fails()`).
    """
    accepted = accepted_file(file, field)
    upload = Upload(
        owner_id=owner.id,
        original_name=sniff.clean_name(file.filename, accepted.extension),
        content_type=accepted.content_type,
        size=len(accepted.data),
        sha256=hashlib.sha256(accepted.data).hexdigest(),
        storage_key=storage.new_key(),
    )
    db.session.add(upload)
    db.session.flush()  # database errors surface before anything touches the disk
    storage.write(upload.storage_key, accepted.data)
    return upload
