"""What every view does the same way: who acts, and commit-or-show-the-refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, request
from flask_login import current_user

from portal.extensions import db
from portal.people.models import User
from portal.refusals import Refused

INVALID = 422


def actor() -> User:
    """Return the signed-in user as the real ``User`` (not the proxy), to pass as ``actor=``."""
    return current_user._get_current_object()


def show_on_form(form, refused: Refused) -> None:
    """Show a refusal next to its field, or above the form when it names none."""
    field = getattr(form, refused.field, None) if refused.field else None
    if field is not None:
        field.errors = [*field.errors, str(refused.message)]
    else:
        form.form_errors.append(str(refused.message))


def commit_or_show(form, write: Callable[[], Any]) -> bool:
    """Run a write; commit it, or roll back and show its refusal on the form.

    Returns whether it was committed; on False the caller re-renders the form with
    ``form_status(form)``.
    """
    try:
        write()
    except Refused as refused:
        db.session.rollback()
        show_on_form(form, refused)
        return False
    db.session.commit()
    return True


def commit_or_abort(write: Callable[[], Any]) -> Any:
    """Run a write with no form to show a refusal on: commit, or roll back and answer it.

    The refusal becomes ``abort(status, description=message)``: the error page (or JSON
    for a JSON request) shows the message in the user's language.
    """
    try:
        result = write()
    except Refused as refused:
        db.session.rollback()
        abort(refused.status, description=str(refused.message))
    db.session.commit()
    return result


def form_status(form) -> int:
    """200 for a page shown, 422 for a posted form that carries errors."""
    return INVALID if request.method == "POST" and form.errors else 200
