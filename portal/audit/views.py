"""The audit log viewer: who changed what and when, and who read which talk note.

Load → check access → act → render. A role page: a street admin sees the entries of
their street, a district admin those of every street of the district (the rule that
ties an entry to a street is in ``portal.audit.queries``); other roles get 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.audit import queries
from portal.enums import AppraisalResult, CareKind, Education, HiringRoute, PostType
from portal.labels import label
from portal.people.scope import admin_scope
from portal.web.htmx import render

bp = Blueprint("audit", __name__)

ACTION_LABELS = {
    "worker_created": _l("Worker record created"),
    "worker_updated": _l("Worker record changed"),
    "worker_status_changed": _l("Worker status changed"),
    "password_issued": _l("One-time password issued"),
    "password_changed": _l("Password changed"),
    "devices_signed_out": _l("Devices signed out"),
    "signed_out_elsewhere": _l("Signed out of the other devices"),
    "appraisal_created": _l("Appraisal result entered"),
    "appraisal_updated": _l("Appraisal result changed"),
    "appraisal_deleted": _l("Appraisal result removed"),
    "appraisals_published": _l("Appraisal results published"),
    "certificate_created": _l("Certificate recorded"),
    "certificate_updated": _l("Certificate changed"),
    "care_record_created": _l("Benefit recorded"),
    "care_record_updated": _l("Benefit changed"),
    "care_entitlement_set": _l("Annual leave days set"),
    "care_fund_applied": _l("Care fund application"),
    "care_fund_approved": _l("Care fund application approved"),
    "care_fund_rejected": _l("Care fund application rejected"),
    "import_committed": _l("Excel import"),
    "attendance_marked": _l("Attendance marked"),
    "attendance_checked_out": _l("Attendance checked out"),
    "attendance_left_early": _l("Left a training early"),
    "join_requested": _l("Asked to join a training"),
    "training_created": _l("Training created"),
    "outside_training_submitted": _l("Outside training submitted"),
    "outside_training_approved": _l("Outside training accepted"),
    "outside_training_rejected": _l("Outside training declined"),
    "mentor_pairing_created": _l("Mentor paired"),
    "mentor_pairing_ended": _l("Mentor pairing ended"),
    "mentor_session_edited": _l("Mentoring session corrected"),
    "mentor_session_edit_refused": _l("Mentoring session edit refused"),
    "talk_held": _l("Heart-to-heart talk recorded"),
    "talk_follow_up_updated": _l("Talk follow-up updated"),
    "talk_note_read": _l("Talk note read"),
    "talk_responsibilities_set": _l("Talk responsibilities set"),
    "absence_day_created": _l("Unexcused absence recorded"),
    "absence_day_updated": _l("Unexcused absence note changed"),
    "absence_day_deleted": _l("Unexcused absence record deleted"),
}

FIELD_LABELS = {
    "name": _l("Name"),
    "phone": _l("Phone"),
    "staff_no": _l("Staff number"),
    "community_id": _l("Community"),
    "post_type": _l("Post type"),
    "grade": _l("Grade"),
    "community_work_started_on": _l("Started community work on"),
    "joined_on": _l("Joined this street on"),
    "education": _l("Education"),
    "party_member": _l("Party member"),
    "hiring_route": _l("Hiring route"),
    "exam_eligible_on": _l("Eligible for the social-work exam on"),
    "status": _l("Status"),
    "status_since": _l("Since"),
    "status_until": _l("Until"),
    "status_reason": _l("Reason"),
    "result": _l("Result"),
    "score": _l("Score"),
    "comment": _l("Comment"),
    "year": _l("Year"),
    "kind": _l("What"),
    "occurred_on": _l("Date"),
    "quantity": _l("Days or amount"),
    "note": _l("Note"),
    "amount": _l("Amount (yuan)"),
    "devices": _l("Devices"),
    "because": _l("Because of"),
}

_VOCABULARIES = {
    "result": AppraisalResult,
    "post_type": PostType,
    "education": Education,
    "hiring_route": HiringRoute,
    "kind": CareKind,
}
_SHOWN_APART = {"before", "after", "reason", "worker_id"}


def action_label(action: str) -> str:
    """Return the label of an action code (the code itself when unknown)."""
    text = ACTION_LABELS.get(action)
    return str(text) if text is not None else action


def field_label(name: str) -> str:
    """Return the label of a field name in an entry's detail."""
    text = FIELD_LABELS.get(name)
    return str(text) if text is not None else name


def show_value(name: str, value: Any) -> str:
    """Return a stored value as the page shows it (vocabulary codes as labels)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "because":  # the action that caused this one
        return action_label(str(value))
    vocabulary = _VOCABULARIES.get(name)
    if vocabulary is not None:
        try:
            return label(vocabulary(value))
        except ValueError:
            pass
    return str(value)


def changes(detail: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Return (field, before, after) of an entry's before/after detail."""
    before, after = detail.get("before"), detail.get("after")
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        names = list(dict.fromkeys([*before, *after]))
        return [
            (field_label(n), show_value(n, before.get(n)), show_value(n, after.get(n)))
            for n in names
        ]
    if "before" in detail or "after" in detail:
        return [("", show_value("", before), show_value("", after))]
    return []


def other_details(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the entry's other details as (label, value), nested values left out."""
    return [
        (field_label(name), show_value(name, value))
        for name, value in detail.items()
        if name not in _SHOWN_APART and not isinstance(value, dict | list)
    ]


def _date_arg(name: str, problems: list[str]) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(_("Enter the dates as YYYY-MM-DD."))
        return None


def _filters(problems: list[str]) -> queries.AuditFilter:
    action = (request.args.get("action") or "").strip()
    return queries.AuditFilter(
        actor=(request.args.get("actor") or "").strip()[: queries.MAX_TEXT],
        action=action if action in ACTION_LABELS else "",
        worker=(request.args.get("worker") or "").strip()[: queries.MAX_TEXT],
        date_from=_date_arg("from", problems),
        date_to=_date_arg("to", problems),
    )


@bp.get("/street/audit")
@login_required
def index():
    """Show the audit log of the admin's street, newest first, filtered and paged."""
    scope = admin_scope(current_user)
    problems: list[str] = []
    filters = _filters(problems)
    before = request.args.get("before", type=int)
    page = queries.audit_page(scope, filters, before=before)
    args = {
        key: value
        for key, value in request.args.items()
        if key in {"actor", "action", "worker", "from", "to"} and value
    }
    return render(
        "audit/index.html",
        block="results",
        scope=scope,
        filters=filters,
        page=page,
        args=args,
        problems=list(dict.fromkeys(problems)),
        actions=sorted(ACTION_LABELS, key=lambda code: str(ACTION_LABELS[code])),
        action_label=action_label,
        changes=changes,
        other_details=other_details,
    )
