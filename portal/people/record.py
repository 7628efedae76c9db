"""A worker's record as the admin pages and the roster import both keep it.

The fields of the record (on the account and on the profile), how the audit log stores
their values, the reason stored with a first grade and the message for a grade outside
its post type's range: one definition, so a form and an imported row agree.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from portal.enums import PostType
from portal.labels import label
from portal.policy import rules
from portal.policy.model import PolicyProfile

INITIAL_GRADE_REASON = "建档定级"  # stored with the first grade on record

USER_FIELDS = ("name", "phone", "staff_no")
PROFILE_FIELDS = (
    "community_id",
    "post_type",
    "grade",
    "community_work_started_on",
    "joined_on",
    "education",
    "party_member",
    "hiring_route",
    "exam_eligible_on",
)
STATUS_FIELDS = ("status", "status_since", "status_until", "status_reason")


def plain(value: Any) -> Any:
    """Return a value as the audit log's JSON stores it."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


def grade_message(post_type: PostType, grade: int, low: int, high: int) -> str:
    """Return the message for a grade outside the post type's range (form and import)."""
    return _(
        "Grade %(grade)d is outside the %(post)s range %(low)d–%(high)d.",
        grade=grade,
        post=label(post_type),
        low=low,
        high=high,
    )


def grade_problem(profile: PolicyProfile, post_type: PostType | str, grade: int) -> str | None:
    """Return why ``grade`` cannot go with ``post_type`` under ``profile``, or None.

    The roster form and the roster import both ask here, so a grade outside the post
    type's range (19, 0 or 3 for a 正职) reads the same on the page and in the import
    report [003 §2].
    """
    try:
        rules.check_grade(profile, post_type, grade)
    except rules.GradeOutOfRange as error:
        return grade_message(error.post_type, error.grade, error.low, error.high)
    return None
