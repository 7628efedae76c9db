"""What every view does the same way: who acts, and commit-or-show-the-refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

from portal.extensions import db
from portal.people.models import User, WorkerProfile
from portal.refusals import Refused

INVALID = 422
T = TypeVar("T")


def actor() -> User:
    """Return the signed-in user as the real ``User`` (not the proxy), to pass as ``actor=``."""
    return current_user._get_current_object()


def own_worker() -> WorkerProfile:
    """Return the signed-in user's worker profile: 403 on a worker's page for other roles."""
    worker = current_user.worker
    if worker is None:
        abort(403)
    return worker


def show_on_form(form, refused: Refused) -> None:
    """Show a refusal next to its field, or above the form when it names none."""
    field = getattr(form, refused.field, None) if refused.field else None
    if field is not None:
        field.errors = [*field.errors, str(refused.message)]
    else:
        form.form_errors.append(str(refused.message))


def commit_or_refusal(write: Callable[[], T]) -> T | Refused:
    """Run a write; commit and return what it returned, or roll back and return its refusal.

    For pages that show a refusal in place (a roster, a review list) with its own status;
    ``commit_or_show`` and ``commit_or_abort`` are this with the usual answer.
    """
    try:
        result = write()
    except Refused as refused:
        db.session.rollback()
        return refused
    db.session.commit()
    return result


def commit_or_show(form, write: Callable[[], Any]) -> bool:
    """Run a write; commit it, or roll back and show its refusal on the form.

    Returns whether it was committed; on False the caller re-renders the form with
    ``form_status(form)`` (the refusal's own status, e.g. 409 for a conflict).
    """
    outcome = commit_or_refusal(write)
    if isinstance(outcome, Refused):
        show_on_form(form, outcome)
        form.refusal_status = outcome.status
        return False
    return True


def commit_or_abort(write: Callable[[], T]) -> T:
    """Run a write with no form to show a refusal on: commit, or roll back and answer it.

    The refusal becomes ``abort(status, description=message)``: the error page (or JSON
    for a JSON request) shows the message in the user's language.
    """
    outcome = commit_or_refusal(write)
    if isinstance(outcome, Refused):
        abort(outcome.status, description=str(outcome.message))
    return outcome


def form_status(form) -> int:
    """200 for a page shown; for a posted form with errors its refusal's status, else 422."""
    if request.method == "POST" and form.errors:
        return getattr(form, "refusal_status", INVALID)
    return 200
