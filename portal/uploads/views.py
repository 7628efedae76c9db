"""Serve uploaded files to those allowed, typed as sniffed, with nothing left to guess."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app
from flask_login import current_user, login_required

from portal.extensions import talisman
from portal.uploads import queries, storage
from portal.uploads.access import can_view_upload

bp = Blueprint("uploads", __name__)

# The answer is a photo or a PDF, never a page: no scripts, styles or frames of its own.
# object-src 'self' lets the browser's PDF viewer show a PDF inline.
FILE_CSP = {
    "default-src": "'none'",
    "img-src": "'self'",
    "style-src": "'unsafe-inline'",
    "object-src": "'self'",
    "frame-ancestors": "'none'",
}


@bp.get("/uploads/<int:upload_id>")
@login_required
@talisman(content_security_policy=FILE_CSP)
def show(upload_id: int):
    """Send an uploaded file inline to its owner or their street admin; 404 to anyone else."""
    upload, owner = queries.upload_with_owner(upload_id)
    if upload is None or not can_view_upload(current_user, upload, owner):
        abort(404)  # same answer for "absent" and "not yours"
    path = storage.path_of(upload.storage_key)
    if not path.is_file():
        current_app.logger.error("upload %s: file %s is missing", upload.id, path)
        abort(404)
    # Files are small (a few MB): read whole, so no file handle outlives the request.
    response = Response(path.read_bytes(), mimetype=upload.content_type)
    response.headers.set("Content-Disposition", "inline", **_filename_options(upload.original_name))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _filename_options(name: str) -> dict[str, str]:
    # RFC 6266: an ASCII fallback, plus the UTF-8 name for browsers that read filename*.
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        stem, dot, extension = fallback.rpartition(".")
        if not stem.strip(" ._"):
            fallback = "proof" + dot + extension
        return {"filename": fallback, "filename*": "UTF-8''" + quote(name, safe="")}
    return {"filename": name}
