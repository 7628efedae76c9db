"""Serve uploaded files to those allowed, typed as sniffed, with nothing left to guess."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app
from flask_login import current_user, login_required

from portal.extensions import talisman
from portal.uploads import queries, sniff, storage
from portal.uploads.access import can_view_upload

bp = Blueprint("uploads", __name__)

# The answer is a photo or a PDF, never a page: no scripts, styles or frames of its own,
# and sandboxed (a unique origin, no scripts) should a browser render it as a page anyway.
FILE_CSP = {
    "default-src": "'none'",
    "img-src": "'self'",
    "style-src": "'unsafe-inline'",
    "frame-ancestors": "'none'",
    "sandbox": "",
}
# PDFs are downloaded, not shown in the portal's tab: a PDF viewer in the page would run
# with the portal's address, and Chromium's viewer refuses to start under "sandbox"
# (crbug 413851), so inline-and-sandboxed would show the admin a blank page. Photos,
# re-encoded on upload, are shown inline: the review's thumbnails and full view.
DOWNLOADED = {sniff.PDF}


@bp.get("/uploads/<int:upload_id>")
@login_required
@talisman(content_security_policy=FILE_CSP)
def show(upload_id: int):
    """Send an uploaded file to its owner or their street admin; 404 to anyone else."""
    upload, owner = queries.upload_with_owner(upload_id)
    if upload is None or not can_view_upload(current_user, upload, owner):
        abort(404)  # same answer for "absent" and "not yours"
    path = storage.path_of(upload.storage_key)
    if not path.is_file():
        current_app.logger.error("upload %s: file %s is missing", upload.id, path)
        abort(404)
    # Files are small (a few MB): read whole, so no file handle outlives the request.
    response = Response(path.read_bytes(), mimetype=upload.content_type)
    # Cleaned again: names stored before bidi controls were dropped still hold them.
    name = upload.shown_name
    disposition = "attachment" if upload.content_type in DOWNLOADED else "inline"
    response.headers.set("Content-Disposition", disposition, **_filename_options(name))
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
