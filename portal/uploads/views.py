"""Serve uploaded files to those allowed, typed as sniffed, with nothing left to guess."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal.extensions import talisman
from portal.uploads import queries, sniff, storage
from portal.uploads.access import can_view_upload
from portal.uploads.operations import IncomingFile, too_large_message, upload_refusal
from portal.web.errors import http_error
from portal.web.views import commit_or_show, show_on_form

bp = Blueprint("uploads", __name__)

# Room for the form's text fields and multipart framing around the file itself.
FORM_OVERHEAD = 256 * 1024

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


# -- pages whose form carries a file (a proof, an attachment) ---------------------------------


def limit_request_body() -> None:
    """Cut off a body larger than one upload and its form; run before CSRF reads the body."""
    request.max_content_length = storage.max_bytes() + FORM_OVERHEAD


def answer_too_large(
    endpoint: str,
    form_class: Callable[..., Any],
    field: str,
    page: Callable[..., ResponseReturnValue],
) -> ResponseReturnValue:
    """Answer an oversized upload: to a worker posting ``endpoint`` their form saying why.

    The form comes back empty with the message on ``field``, rendered by
    ``page(worker, form, status=413)``; anywhere else the error page says it.
    """
    message = str(too_large_message())
    worker = current_user.worker if current_user.is_authenticated else None
    if worker is None or request.endpoint != endpoint:
        return http_error(RequestEntityTooLarge(description=message))
    form = form_class(formdata=None)
    getattr(form, field).errors = [message]
    return page(worker, form, status=413)


def commit_upload_or_show(
    form: Any, write: Callable[[], Any], *, file: IncomingFile | None, field: str
) -> bool:
    """Store a posted file with its record and commit; or show on the form why not.

    A form that validated runs ``write``: committed (True), or refused on the form with no
    stored file left behind (False). A form that did not still says at once whether the
    file would fail as well (nothing is stored): the browser clears the file input, so it
    must be attached again anyway.
    """
    if form.validate_on_submit():
        with storage.removed_if_block_fails():  # no stored file outlives a failed commit
            return commit_or_show(form, write)
    if file is not None:
        refused = upload_refusal(file, field)
        if refused is not None:
            show_on_form(form, refused)
    return False


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
